"""datasette-lambda's runtime: the Python that runs in AWS Lambda.

Two programs share this package: the site (`datasette_lambda.handler.handler`, Datasette
behind a Function URL) and the data converter (`datasette_lambda.convert.function.handler`
in AWS, `python -m datasette_lambda.convert` on the deploying machine). Importing this
package imports nothing else: each entry point imports what it needs.
"""
