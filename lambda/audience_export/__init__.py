"""The AudienceExport custom-resource handler (runs in AWS Lambda as ``audience_export``)."""
