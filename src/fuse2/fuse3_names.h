/*
 * fuse3_names.h - force-included (-include) into the second build of
 * src/fuse that libfuse.so.2 links, and into src/fuse2 itself.
 *
 * libfuse.so.2 reuses FSP's FUSE 3 implementation, but FUSE 2 gives some of
 * the same names other signatures or meanings (fuse_mount(mountpoint, args),
 * fuse_fs_getattr without a file info, fuse_reply_open with FUSE 2's struct
 * fuse_file_info...). Those FUSE 3 functions get an fsp3_ prefix here, so
 * the FUSE 2 versions (src/fuse2) can take the plain names. FUSE 3
 * functions that mean the same in FUSE 2 (fuse_reply_err, fuse_opt_parse,
 * fuse_get_context...) keep their names and libfuse.so.2 exports them as
 * they are (fuse.map).
 */
#ifndef FSP_FUSE3_NAMES_H
#define FSP_FUSE3_NAMES_H

/* libfuse.so.2 has FUSE 2's version nodes only. */
#define FSP_FUSE_NO_SYMVER 1

/* High level: life cycle and loops. */
#define fuse_new           fsp3_fuse_new
#define fuse_mount         fsp3_fuse_mount
#define fuse_unmount       fsp3_fuse_unmount
#define fuse_destroy       fsp3_fuse_destroy
#define fuse_loop          fsp3_fuse_loop
#define fuse_loop_mt       fsp3_fuse_loop_mt
#define fuse_main_real     fsp3_fuse_main_real
#define fuse_parse_cmdline fsp3_fuse_parse_cmdline
#define fuse_version       fsp3_fuse_version

/* Low level: sessions, requests, replies and notifications. */
#define fuse_session_new                 fsp3_fuse_session_new
#define cuse_lowlevel_new                fsp3_cuse_lowlevel_new
#define cuse_lowlevel_setup              fsp3_cuse_lowlevel_setup
#define cuse_lowlevel_teardown           fsp3_cuse_lowlevel_teardown
#define cuse_lowlevel_main               fsp3_cuse_lowlevel_main
#define fuse_session_destroy             fsp3_fuse_session_destroy
#define fuse_session_loop                fsp3_fuse_session_loop
#define fuse_session_loop_mt             fsp3_fuse_session_loop_mt
#define fuse_session_exit                fsp3_fuse_session_exit
#define fuse_session_reset               fsp3_fuse_session_reset
#define fuse_session_exited              fsp3_fuse_session_exited
#define fuse_session_process_buf         fsp3_fuse_session_process_buf
#define fuse_session_receive_buf         fsp3_fuse_session_receive_buf
#define fuse_req_userdata                fsp3_fuse_req_userdata
#define fuse_reply_open                  fsp3_fuse_reply_open
#define fuse_reply_create                fsp3_fuse_reply_create
#define fuse_lowlevel_notify_inval_inode fsp3_fuse_lowlevel_notify_inval_inode
#define fuse_lowlevel_notify_inval_entry fsp3_fuse_lowlevel_notify_inval_entry
#define fuse_lowlevel_notify_delete      fsp3_fuse_lowlevel_notify_delete
#define fuse_lowlevel_notify_store       fsp3_fuse_lowlevel_notify_store
#define fuse_lowlevel_notify_retrieve    fsp3_fuse_lowlevel_notify_retrieve

/* The file system object: FUSE 2's fuse_fs_* take FUSE 2's arguments. */
#define fuse_fs_access      fsp3_fuse_fs_access
#define fuse_fs_bmap        fsp3_fuse_fs_bmap
#define fuse_fs_chmod       fsp3_fuse_fs_chmod
#define fuse_fs_chown       fsp3_fuse_fs_chown
#define fuse_fs_create      fsp3_fuse_fs_create
#define fuse_fs_destroy     fsp3_fuse_fs_destroy
#define fuse_fs_fallocate   fsp3_fuse_fs_fallocate
#define fuse_fs_flock       fsp3_fuse_fs_flock
#define fuse_fs_flush       fsp3_fuse_fs_flush
#define fuse_fs_fsync       fsp3_fuse_fs_fsync
#define fuse_fs_fsyncdir    fsp3_fuse_fs_fsyncdir
#define fuse_fs_getattr     fsp3_fuse_fs_getattr
#define fuse_fs_getxattr    fsp3_fuse_fs_getxattr
#define fuse_fs_init        fsp3_fuse_fs_init
#define fuse_fs_ioctl       fsp3_fuse_fs_ioctl
#define fuse_fs_link        fsp3_fuse_fs_link
#define fuse_fs_listxattr   fsp3_fuse_fs_listxattr
#define fuse_fs_lock        fsp3_fuse_fs_lock
#define fuse_fs_mkdir       fsp3_fuse_fs_mkdir
#define fuse_fs_mknod       fsp3_fuse_fs_mknod
#define fuse_fs_new         fsp3_fuse_fs_new
#define fuse_fs_open        fsp3_fuse_fs_open
#define fuse_fs_opendir     fsp3_fuse_fs_opendir
#define fuse_fs_poll        fsp3_fuse_fs_poll
#define fuse_fs_read        fsp3_fuse_fs_read
#define fuse_fs_read_buf    fsp3_fuse_fs_read_buf
#define fuse_fs_readdir     fsp3_fuse_fs_readdir
#define fuse_fs_readlink    fsp3_fuse_fs_readlink
#define fuse_fs_release     fsp3_fuse_fs_release
#define fuse_fs_releasedir  fsp3_fuse_fs_releasedir
#define fuse_fs_removexattr fsp3_fuse_fs_removexattr
#define fuse_fs_rename      fsp3_fuse_fs_rename
#define fuse_fs_rmdir       fsp3_fuse_fs_rmdir
#define fuse_fs_setxattr    fsp3_fuse_fs_setxattr
#define fuse_fs_statfs      fsp3_fuse_fs_statfs
#define fuse_fs_symlink     fsp3_fuse_fs_symlink
#define fuse_fs_truncate    fsp3_fuse_fs_truncate
#define fuse_fs_unlink      fsp3_fuse_fs_unlink
#define fuse_fs_utimens     fsp3_fuse_fs_utimens
#define fuse_fs_write       fsp3_fuse_fs_write
#define fuse_fs_write_buf   fsp3_fuse_fs_write_buf

#endif /* FSP_FUSE3_NAMES_H */
