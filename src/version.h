#ifndef MLXK_VERSION_H
#define MLXK_VERSION_H

#define MLXK_VERSION "0.1.0"
/* The MLX-Knife JSON API spec whose field names mlxk --json follows. */
#define MLXK_JSON_API_SPEC "0.2.3"

#endif
