"""Run a synthesized stack's audience exports on one machine, offline.

An embedded Clean Rooms ML endpoint, a Lambda runtime that runs the handler from the synthesized
asset, and a driver that speaks CloudFormation's custom-resource protocol. Command line:
``python -m cdk_cleanrooms_ml.local deploy|destroy``.
"""
