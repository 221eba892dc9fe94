"""The thin doit layer: the task graph, its actions, command-line variables and task names, the reporter,
the run guard and lock."""
