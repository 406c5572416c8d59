"""The provider of the Clean Rooms ML custom resources.

Runs in AWS Lambda as ``cleanrooms_ml_provider``.
"""
