"""What is served: database files (in the package or fetched from S3), the Datasette
database objects that read them, and the set of them swapped in as a whole."""
