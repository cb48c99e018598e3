# see ../../prefill-v13/run9-h100-final-tree/command.sh: the same run call wrote this folder's decode.md and decode.json
