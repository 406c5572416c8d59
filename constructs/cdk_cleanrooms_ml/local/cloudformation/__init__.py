"""AWS CloudFormation, locally: deploying and destroying stacks' custom resources.

``assembly`` reads ``cdk.out`` or a template, ``parameters`` / ``intrinsics`` /
``dependencies`` resolve it, ``driver`` (:class:`LocalCloudFormation`) is the entry point,
``deployment`` + ``scheduler`` + ``steps`` create and update, ``rollback`` undoes (from the
``journal``), ``deletion`` destroys, ``policies`` decides which of those removals send a Delete
(DeletionPolicy, UpdateReplacePolicy), ``protocol`` sends custom-resource events and checks the
responses, ``wait_conditions`` runs WaitConditionHandle / WaitCondition,
``schedule_groups`` makes ScheduleGroups in the embedded EventBridge Scheduler, ``buckets``
S3 buckets in the account's local S3 and ``stack_sets`` StackSets' instances across an
organization's clouds, when the driver is given them (``services``),
``training_datasets`` runs TrainingDatasets against the embedded Clean Rooms ML endpoint
(``handled_types``: which types go through a handler), ``resources`` simulates Ref / GetAtt
of everything else, ``outputs`` the outputs and exports, ``stacks`` / ``results`` /
``progress`` what is kept and reported.
"""
