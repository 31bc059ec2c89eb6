#!/bin/sh
# Prints the machine this container runs on, and the one it was built on.
echo "Hello from $(uname -m) ($(cat /etc/built-on))"
