// exports of assembly/head — see docs/DESIGN.md
