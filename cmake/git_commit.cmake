# Writes OUT, a header defining GRAPHC_GIT_COMMIT: the source tree's commit (git describe: the
# abbreviated hash, "-dirty" when files differ from it), or "unknown" outside a git checkout.
# Run at every build (CMakeLists.txt); OUT is rewritten only when the text changes, so an
# unchanged commit rebuilds nothing.
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
endif()
set(text "#define GRAPHC_GIT_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
