"""AWS Clean Rooms ML, embedded: audience exports and generation jobs, and the model owner's
training datasets, audience models and configured audience models (with their resource
policies).

Laid out as moto lays out a service: ``models`` the state, one model file per resource type
(``models/audience_export_jobs.py``, ``models/audience_generation_jobs.py``,
``models/training_datasets.py``, ``models/audience_models.py``,
``models/configured_audience_models.py``, ``models/configured_audience_model_policies.py``)
and a backend with one method per operation; ``responses`` the REST-JSON wire format
(:class:`CleanRoomsMlEndpoint`), which answers each operation through its backend method (the
model owner's in ``owner_responses``); ``operations`` the operations served, ``urls`` their
routes, ``parsing`` their parameters, ``pagination`` paged answers; ``seed`` which resources
exist (``owner_seed`` the model owner's, ``seed_checks`` the checks they share), ``faults``
what to get wrong on purpose and ``admin_faults`` the admin API's words for it, ``shapes`` the
checks against botocore's model, ``exceptions`` its errors.
"""
