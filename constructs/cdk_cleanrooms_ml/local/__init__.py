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
- Organizations: ``organizations/`` (``models`` units and accounts, ``files`` its JSON).
- S3, as far as deployments need it: ``s3/`` (``models`` buckets and published objects,
  ``policies`` / ``access`` who may read another account's object).
- The CDK Toolkit's ``deploy --all`` / ``destroy --all``: ``toolkit/`` (``manifest`` stack order,
  ``publishing`` file assets into S3, ``deploy_all``).
- The ResponseURL: ``recorder`` (CloudFormation's S3 side) and ``tls`` (the loopback CA);
  wait condition handles' URLs and their signals: ``signals``.
- Time: ``clock`` (real, or virtual time shared through one file with ``fast_clock``).
- Shared: ``server`` the loopback HTTP server, ``state`` / ``lock`` / ``jsonfile`` / ``errors``
  the state folder, ``harness`` (:class:`~.harness.LocalCloud`) wiring it all for one account
  and region, ``organization_harness`` (:class:`~.organization_harness.LocalOrganization`) one
  cloud per account and region of an organization, StackSets across them,
  ``provider_code`` the library's handler laid out as Lambda runs it, and ``cli`` / ``entry`` /
  ``interrupts`` the command: ``python -m cdk_cleanrooms_ml.local deploy|destroy|serve`` or
  ``cdk-cleanrooms-ml-local`` (``organization_cli``: ``--organization FILE``).
"""
