"""AWS Clean Rooms (``cleanrooms``), embedded: the collaboration member's configured audience
model associations, which bring a Clean Rooms ML configured audience model into a membership.

Laid out as moto lays out a service, as :mod:`..cleanroomsml` is: ``models`` the state
(``models/configured_audience_model_associations.py``, their tags in ``models/tags.py``, the
seeded memberships in ``models/memberships.py``), kept in the Clean Rooms ML backend's state
file under its lock (``models/state.py``); ``responses`` the REST-JSON wire format
(:class:`CleanRoomsEndpoint`), mounted beside the Clean Rooms ML endpoint on one server;
``operations`` the operations served, ``urls`` their routes (and which service a shared
``/tags/`` path is for), ``parsing`` their parameters, ``seed`` the memberships the seed file
lists, ``exceptions`` the errors as this service words them.
"""
