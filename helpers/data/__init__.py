"""Data sets: the registry (names, mirrors, sizes, SHA-256), fetching and verifying files, the loaders.

Change things here when a data set, a mirror, a checksum or a loader changes.  Importing this
package imports nothing.
"""
