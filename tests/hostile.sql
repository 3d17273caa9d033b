-- A schema whose names and comments try to break Markdown, HTML, Mermaid and file names.
CREATE TABLE """; DROP TABLE users; --" ( -- <script>alert('t')</script> | pipe **bold**
    "id" INTEGER PRIMARY KEY,               -- `backtick` **bold** [link](http://evil.example) {: .cls} :smile: @user
    "a|b" TEXT,                             -- cell | with pipe
    "select" VARCHAR(10) NOT NULL DEFAULT '<b>|', -- reserved word
    "with space" INT,
    "ünïcødé" TEXT,                         -- ünïcødé ✓
    "quote""d" TEXT,
    "#hash" TEXT,
    "9lives" DECIMAL(9,2)
);
CREATE TABLE "Users" (
    id INTEGER PRIMARY KEY,
    ref INTEGER REFERENCES """; DROP TABLE users; --" (id)
);
CREATE TABLE "a b" (id INTEGER PRIMARY KEY, "Users" INTEGER REFERENCES "Users" (id));
CREATE TABLE "a-b" (id INTEGER PRIMARY KEY);
CREATE TABLE "index" (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES "index" (id));
CREATE VIEW "v```" AS SELECT 1 AS "x```y", '</code><script>x</script>' AS "s";
