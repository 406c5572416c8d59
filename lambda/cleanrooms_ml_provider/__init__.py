"""The provider of the Clean Rooms ML custom resources (runs in AWS Lambda as ``cleanrooms_ml_provider``)."""
