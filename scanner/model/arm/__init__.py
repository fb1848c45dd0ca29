"""The ARM template interpreter: expressions (`expressions`, `functions`, `values`), one
template's scope (`template`), its resources (`resources`), a scan's templates and parameters
files (`model.build`), and Bicep files built to templates (`bicep`, `bicep_map`)."""
