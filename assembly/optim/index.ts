// exports of assembly/optim — see docs/DESIGN.md
