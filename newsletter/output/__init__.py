"""The output folder's parts, used by `newsletter.writer` alone: the files (atomic
writes), the manifest of what a build wrote, the tree found there, the staged new site
and the switch that puts it in place."""
