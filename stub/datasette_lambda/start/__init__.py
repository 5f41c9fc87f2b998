"""Cold start: what runs once per instance before it serves (the import diet, compiled
templates, SnapStart hooks, secrets, the start-up steps and their timing)."""
