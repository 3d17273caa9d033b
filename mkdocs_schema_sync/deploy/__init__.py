"""Repository -> database: versioned SQL files applied in order, with history, plan, lock and contract gate."""
