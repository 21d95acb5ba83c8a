"""Background tasks: loops that run on a timer beside the RPCs, not because of one."""
