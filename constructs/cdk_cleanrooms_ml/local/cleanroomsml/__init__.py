"""AWS Clean Rooms ML, embedded: the three operations the audience export handler calls.

``models`` the jobs and quotas, ``seed`` which generation jobs exist, ``responses`` the
REST-JSON wire format (:class:`CleanRoomsMlEndpoint`), ``urls`` its routes, ``faults`` what to
get wrong on purpose, ``shapes`` the checks against botocore's model, ``exceptions`` its errors.
"""
