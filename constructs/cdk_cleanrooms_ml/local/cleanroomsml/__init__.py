"""AWS Clean Rooms ML, embedded: audience exports and audience generation jobs.

Laid out as moto lays out a service: ``models`` the state, one model file per resource type
(``models/audience_export_jobs.py``, ``models/audience_generation_jobs.py``) and a backend with
one method per operation; ``responses`` the REST-JSON wire format (:class:`CleanRoomsMlEndpoint`),
which answers each operation through its backend method; ``operations`` the operations served,
``urls`` their routes, ``parsing`` their parameters, ``pagination`` paged answers; ``seed`` which
jobs and configured audience models exist, ``faults`` what to get wrong on purpose, ``shapes``
the checks against botocore's model, ``exceptions`` its errors.
"""
