"""Docker through its SDK: clients made only when a step runs, build images (pulled or bootstrapped), one
step per container, files moved in and out through the API."""
