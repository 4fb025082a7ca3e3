"""Skeleton of trueno-hub: the package is planned and has no functionality yet."""

raise ImportError("trueno.hub is not available yet: trueno-hub 0.1.0 is an empty skeleton "
                  "(the package is planned; see the project's issues)")
