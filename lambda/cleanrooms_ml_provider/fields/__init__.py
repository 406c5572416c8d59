"""Each resource type's properties, declared once as a field table (see ``table``)."""
