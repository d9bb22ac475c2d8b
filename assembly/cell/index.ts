// exports of assembly/cell — see docs/DESIGN.md
