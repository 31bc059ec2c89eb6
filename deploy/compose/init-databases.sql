-- The assembler keeps its join state in a database of its own.
CREATE DATABASE archipelago_assembler OWNER archipelago;
