/*
 * libfuse_config.h - build facts of this FUSE library that programs may test.
 * FSP exports libfuse's versioned symbols, so the unsuffixed names
 * (fuse_parse_cmdline, fuse_session_loop_mt) are declared directly.
 */
#pragma once

#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1
