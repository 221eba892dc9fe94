"""The validate step: install the packages in a fresh container of the plain base image, collect facts, judge them."""
