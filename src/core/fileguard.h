/*
 * Guards around what HDF5 keeps of an open file outside its own state:
 * the POSIX descriptor its driver writes through, and the id of a file
 * whose close failed.
 *
 *  - After fork() the child inherits the parent's open files.  HDF5's exit
 *    handler in the child would flush and close them with the child's stale
 *    metadata, overwriting what the parent wrote since.  The child points
 *    the inherited descriptors at a sink instead (ha_file_sink_fd), so that
 *    whatever HDF5 does with them there never reaches the parent's files.
 *  - HDF5 1.10 to 1.14 keep the id of an object whose close failed (a
 *    file's metadata flush, a dataset's chunk cache flush: disk full, size
 *    limit) although the structure behind it was freed; their exit handler
 *    then closes that id again and crashes.  The id is removed without
 *    calling its close callback (ha_forget_failed_id).
 */
#ifndef HA_FILEGUARD_H
#define HA_FILEGUARD_H

#include <stdint.h>

/* The POSIX descriptor the file `fid` is written through (sec2 and core
 * drivers), or -1.  Executing thread only. */
int ha_file_posix_fd(int64_t fid);

/* Make `fd` refer to a private sink (an anonymous memory file, else
 * /dev/null) instead of the file it was opened on.  Async-signal-safe
 * system calls only: called in the child of a fork(). */
void ha_file_sink_fd(int fd);

/* After closing the id `id` (of any kind) failed: drop it if HDF5 kept
 * it.  Executing thread only. */
void ha_forget_failed_id(int64_t id);

#endif
