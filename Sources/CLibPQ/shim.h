#include <libpq-fe.h>

/* Character-literal macros do not import into Swift: re-export them as constants. */
static const int tradu_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int tradu_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int tradu_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int tradu_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int tradu_PG_DIAG_STATEMENT_POSITION = PG_DIAG_STATEMENT_POSITION;
