"""Run a synthesized stack's audience exports on one machine, offline.

Laid out by the AWS part each module stands in for:

- Clean Rooms ML: ``cleanroomsml/`` (``models`` jobs and quotas, ``responses`` the REST-JSON
  wire format, ``faults`` fault injection and the admin API, ``seed``, ``urls``, ``shapes``).
- CloudFormation: ``cloudformation/`` (``driver`` the entry point, ``deployment``, ``rollback``,
  ``deletion``, ``intrinsics``, ``assembly`` reading ``cdk.out``, ``stacks`` the stack state).
- Lambda: ``awslambda/`` (``runtime`` the isolated handler processes, ``invoke`` the Invoke API,
  ``invocations`` admission and concurrency).
- EventBridge Scheduler: ``scheduler/`` (``models`` groups and one-time schedules, ``responses``
  the REST-JSON wire format, ``engine`` firing due schedules into the Lambda emulator).
- The ResponseURL: ``recorder`` (CloudFormation's S3 side) and ``tls`` (the loopback CA);
  wait condition handles' URLs and their signals: ``signals``.
- Time: ``clock`` (real, or virtual time shared through one file with ``fast_clock``).
- Shared: ``server`` the loopback HTTP server, ``state`` / ``lock`` / ``jsonfile`` / ``errors``
  the state folder, ``harness`` (:class:`~.harness.LocalCloud`) wiring it all,
  ``provider_code`` the library's handler laid out as Lambda runs it, and ``cli`` / ``entry`` /
  ``interrupts`` the command: ``python -m cdk_cleanrooms_ml.local deploy|destroy|serve`` or
  ``cdk-cleanrooms-ml-local``.
"""
