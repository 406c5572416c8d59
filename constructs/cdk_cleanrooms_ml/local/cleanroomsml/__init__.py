"""AWS Clean Rooms ML, embedded: audience exports and audience generation jobs.

``models`` the export jobs and quotas, ``generation_job`` / ``generation_jobs`` the generation
jobs and their operations, ``seed`` which jobs and configured audience models exist,
``responses`` the REST-JSON wire format (:class:`CleanRoomsMlEndpoint`), ``urls`` its routes,
``generation_dispatch`` and ``pagination`` helpers of it, ``faults`` what to get wrong on
purpose, ``shapes`` the checks against botocore's model, ``exceptions`` its errors.
"""
