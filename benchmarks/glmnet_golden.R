# Golden masters for tests/test_golden.py: small data sets and glmnet's (and survival's)
# fits on them, written as CSV into tests/golden/. The tests read those files and never
# need R. Run from the repository root with Debian's r-cran-glmnet (4.1) and
# r-cran-survival:
#
#     Rscript benchmarks/glmnet_golden.R
#
# Every fit uses standardize = FALSE (penalized's default) and a tight threshold, so the
# tests compare objectives to 1e-6 relative. glmnet rescales penalty.factor to sum to the
# number of features; the files keep the factors as given (the tests rescale them).
suppressMessages({
  library(glmnet)
  library(survival)
})
out_dir <- file.path("tests", "golden")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
glmnet.control(epsnr = 1e-12, mxitnr = 200)  # tight outer Newton loop of the R-coded paths (strata)
set.seed(20240515)
n <- 80
p <- 6
X <- matrix(round(rnorm(n * p), 4), n, p)
colnames(X) <- paste0("x", seq_len(p))
w <- round(runif(n, 0.5, 2), 3)
pf <- c(1, 1, 0.5, 2, 1, 0)  # one unpenalized feature
off <- round(0.3 * rnorm(n), 4)
eta <- drop(X %*% c(0.6, -0.4, 0.3, 0, 0, 0.2))

write_data <- function(name, cols) {
  write.csv(cbind(as.data.frame(X), as.data.frame(cols)), file.path(out_dir, paste0(name, "_data.csv")),
            row.names = FALSE)
}
path_rows <- function(fit, l1_ratio) {
  b <- as.matrix(coef(fit))
  data.frame(l1_ratio = l1_ratio, lambda = fit$lambda, t(b), check.names = FALSE)
}
write_path <- function(name, rows) {
  write.csv(do.call(rbind, rows), file.path(out_dir, paste0(name, "_path.csv")), row.names = FALSE)
}
fit_path <- function(y, family, offset = NULL, l1 = c(1, 0.5)) {
  lapply(l1, function(a) {
    fit <- glmnet(X, y, family = family, weights = w, offset = offset, alpha = a,
                  penalty.factor = pf, standardize = FALSE, nlambda = 12, thresh = 1e-14,
                  maxit = 1e7)
    path_rows(fit, a)
  })
}

# gaussian
yg <- round(eta + rnorm(n), 4)
write_data("gaussian", list(y = yg, w = w))
write_path("gaussian", fit_path(yg, "gaussian"))

# binomial, labels
yb <- rbinom(n, 1, 1 / (1 + exp(-eta)))
write_data("binomial", list(y = yb, w = w))
write_path("binomial", fit_path(yb, "binomial"))

# binomial, [successes, failures] counts (glmnet: the second column is the target class)
trials <- sample(1:6, n, replace = TRUE)
succ <- rbinom(n, trials, 1 / (1 + exp(-eta)))
write_data("binomial_counts", list(successes = succ, failures = trials - succ, w = w))
write_path("binomial_counts", fit_path(cbind(trials - succ, succ), "binomial"))

# poisson with an offset
yp <- rpois(n, exp(0.5 * eta + off))
write_data("poisson_offset", list(y = yp, w = w, offset = off))
write_path("poisson_offset", fit_path(yp, "poisson", offset = off))

# cox (Breslow), tied times, weights, an offset; then with strata
tt <- round(rexp(n, exp(eta)) * 10) / 10 + 0.1
cc <- round(rexp(n, 0.3) * 10) / 10 + 0.1
time <- pmin(tt, cc)
status <- as.integer(tt <= cc)
strata <- sample(1:2, n, replace = TRUE)
write_data("cox", list(time = time, status = status, w = w, offset = off, strata = strata))
write_path("cox", fit_path(Surv(time, status), "cox", offset = off))
write_path("cox_strata", fit_path(stratifySurv(Surv(time, status), strata), "cox"))

# survival::coxph at lambda 0, Efron and Breslow ties, weights, with and without strata
ctl <- coxph.control(eps = 1e-12, iter.max = 200, toler.chol = 1e-13)
rows <- list()
for (ties in c("efron", "breslow")) {
  f1 <- coxph(Surv(time, status) ~ X, weights = w, ties = ties, control = ctl)
  f2 <- coxph(Surv(time, status) ~ X + strata(strata), weights = w, ties = ties, control = ctl)
  f3 <- coxph(Surv(time, status) ~ X + offset(off), ties = ties, control = ctl)
  for (f in list(list("weights", f1), list("weights_strata", f2), list("offset", f3))) {
    b <- coef(f[[2]])
    rows[[length(rows) + 1]] <- data.frame(ties = ties, case = f[[1]], loglik = f[[2]]$loglik[2],
                                           t(setNames(b, colnames(X))))
  }
}
write.csv(do.call(rbind, rows), file.path(out_dir, "coxph_lambda0.csv"), row.names = FALSE)
cat("glmnet", as.character(packageVersion("glmnet")), "survival",
    as.character(packageVersion("survival")), "\n")
writeLines(c(paste("glmnet", packageVersion("glmnet")), paste("survival", packageVersion("survival")),
             R.version.string), file.path(out_dir, "VERSIONS"))
