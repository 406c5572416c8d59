"""Amazon EventBridge Scheduler, embedded: one-time schedules that invoke local Lambda functions.

``models`` the schedule groups and schedules (:class:`~.models.SchedulerBackend`, kept in a JSON
file of the state folder), ``expressions`` the ``at(...)`` expressions, ``responses`` the
REST-JSON wire format (:class:`~.responses.SchedulerApi`), ``engine`` what fires due schedules on
the harness's clock (:class:`~.engine.SchedulerEngine`), ``exceptions`` its errors.
"""
