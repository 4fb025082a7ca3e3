"""Skeleton of trueno-nn: the package is planned and has no functionality yet."""

raise ImportError("trueno.nn is not available yet: trueno-nn 0.1.0 is an empty skeleton "
                  "(the package is planned; see the project's issues)")
