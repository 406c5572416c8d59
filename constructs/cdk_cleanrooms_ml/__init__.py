"""AWS CDK constructs for AWS Clean Rooms ML audience exports."""
