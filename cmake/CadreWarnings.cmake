# Warnings are errors, with gcc and clang alike.
function(cadre_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
    -Wpointer-arith -Wformat=2)
endfunction()
