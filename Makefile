# The two commands of the README. Both install missing Debian packages
# themselves and are idempotent. The real work is in .ci/ and CMakePresets.json.
.PHONY: demo test format

demo:
	bash .ci/demo

test:
	bash .ci/test

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
