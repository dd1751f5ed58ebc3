# cv.glmnet timed inside R, driven by bench_cv.py over stdin/stdout.
#
#   Rscript benchmarks/cv_glmnet.R DIR FAMILY
#
# DIR holds the problem as raw little-endian files written by bench_cv.py:
#   meta.txt     one line "n p sparse" (sparse: 0 dense, 1 CSC)
#   X.bin        dense: n * p float64, column-major (numpy X.T.tofile)
#   Xp.bin, Xi.bin, Xx.bin   sparse: CSC indptr and indices (int32, 0-based) and data (float64)
#   y.bin        n float64 (0/1 for family "binomial")
#   foldid.bin   n int32, fold labels 1..K
#   lambda.bin   the lambda grid, float64, decreasing
# FAMILY is "gaussian" or "binomial".
#
# Once the data are loaded it prints "ready <glmnet version>" and then answers one command a line:
#   fit THRESH OUTFILE   runs cv.glmnet(x, y, family, lambda, foldid, standardize = FALSE,
#                        thresh = THRESH, keep = TRUE), timed with system.time (which runs the
#                        garbage collector first, outside the timing), writes the out-of-fold
#                        linear predictors fit.preval (n x n_lambda, column-major float64) to
#                        OUTFILE and prints "ok SECONDS N_LAMBDA LAMBDA_MIN"
#   quit
# Errors are printed as "error MESSAGE" and the loop goes on.  Only cv.glmnet is inside the
# timer: R start-up, reading the data and writing the predictions are not.
suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
family <- args[2]
meta <- scan(file.path(dir, "meta.txt"), quiet = TRUE)
n <- as.integer(meta[1])
p <- as.integer(meta[2])
sparse <- meta[3] != 0

rd <- function(name, what, size, count) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  readBin(con, what = what, size = size, n = count, endian = "little")
}

if (sparse) {
  library(Matrix)
  xp <- rd("Xp.bin", "integer", 4L, p + 1L)
  nnz <- xp[p + 1L]
  x <- sparseMatrix(i = rd("Xi.bin", "integer", 4L, nnz), p = xp, x = rd("Xx.bin", "double", 8L, nnz),
                    dims = c(n, p), index1 = FALSE)
} else {
  x <- matrix(rd("X.bin", "double", 8L, n * p), nrow = n, ncol = p)
}
y <- rd("y.bin", "double", 8L, n)
foldid <- rd("foldid.bin", "integer", 4L, n)
lambda <- rd("lambda.bin", "double", 8L, 100000L)

cat("ready", as.character(packageVersion("glmnet")), "\n")
flush(stdout())

input <- file("stdin", "r")
repeat {
  line <- readLines(input, n = 1L)
  if (length(line) == 0L) break
  cmd <- strsplit(trimws(line), " +")[[1]]
  if (cmd[1] == "quit") break
  if (cmd[1] != "fit" || length(cmd) != 3L) {
    cat("error unknown command:", line, "\n")
    flush(stdout())
    next
  }
  thresh <- as.numeric(cmd[2])
  out <- tryCatch({
    fit <- NULL
    secs <- system.time(
      fit <- cv.glmnet(x, y, family = family, lambda = lambda, foldid = foldid,
                       standardize = FALSE, thresh = thresh, keep = TRUE)
    )[["elapsed"]]
    writeBin(as.vector(fit$fit.preval), cmd[3], size = 8L, endian = "little")
    sprintf("ok %.6f %d %.17g", secs, ncol(fit$fit.preval), fit$lambda.min)
  }, error = function(e) paste("error", gsub("\n", " ", conditionMessage(e))))
  cat(out, "\n")
  flush(stdout())
}
