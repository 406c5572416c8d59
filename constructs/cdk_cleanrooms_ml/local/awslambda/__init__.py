"""AWS Lambda, locally: the Python runtime and the Invoke API.

``runtime`` runs one invocation in an isolated ``python -I -S`` process (``_bootstrap`` is what
runs inside it), ``packages`` builds the runtime's boto3 folder, ``invocations`` admits and
schedules invocations like the Lambda service, ``invoke`` is the Invoke API over HTTP.
"""
