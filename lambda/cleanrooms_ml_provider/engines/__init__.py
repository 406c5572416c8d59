"""What every resource does alike, parameterised by the resource's own calls: start or adopt by
name, wait for a status, delete (in the background when the service does not allow it yet)."""
