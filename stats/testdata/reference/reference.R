# Reference values for reference_test.go, computed with R (see the version
# printed first) and the boot package. Run: Rscript reference.R
# Not a dependency of gapbench: the Go tests only hold the pasted output.
source("datasets.R")
suppressMessages(library(boot))
cat(R.version.string, "; boot", as.character(packageVersion("boot")), "\n")
p17 <- function(x) formatC(x, digits = 17, format = "g")
set.seed(20250101)
for (nm in names(sets)) {
  a <- sets[[nm]]$a; b <- sets[[nm]]$b; d <- a - b; m <- margins[[nm]]
  cat("##", nm, "\n")
  if (length(d) >= 2) {
    tt <- t.test(a, b, paired = TRUE)
    cat("t.test(a, b, paired=TRUE): t", p17(tt$statistic), "p", p17(tt$p.value),
        "ci", p17(tt$conf.int[1]), p17(tt$conf.int[2]), "\n")
    lo <- t.test(a, b, paired = TRUE, mu = -m, alternative = "greater")
    hi <- t.test(a, b, paired = TRUE, mu = m, alternative = "less")
    ci90 <- t.test(a, b, paired = TRUE, conf.level = 0.90)$conf.int
    cat("TOST margin", m, ": p.lower", p17(lo$p.value), "p.upper", p17(hi$p.value),
        "ci90", p17(ci90[1]), p17(ci90[2]), "\n")
  }
  w <- suppressWarnings(wilcox.test(a, b, paired = TRUE, exact = TRUE))
  cat("wilcox.test(a, b, paired=TRUE, exact=TRUE): V", p17(w$statistic), "p", p17(w$p.value),
      "exact", !(any(d == 0) || any(duplicated(abs(d[d != 0])))), "\n")
  # Paired bootstrap of the mean difference: resampling seeds and applying
  # the draw to both arms is resampling d.
  if (length(d) >= 3) {
    bt <- boot(d, function(x, i) c(mean(x[i]), var(x[i]) / length(i)), R = 1e6)
    ci <- suppressWarnings(boot.ci(bt, conf = 0.95, type = c("bca", "perc", "stud")))
    cat("boot(R=1e6) boot.ci(type=bca):", p17(ci$bca[4]), p17(ci$bca[5]),
        "perc:", p17(ci$percent[4]), p17(ci$percent[5]),
        "stud:", p17(ci$student[4]), p17(ci$student[5]), "\n")
  }
}
cat("## multiplicity\n")
p <- c(0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.8, 0.0001)
cat("p", p17(p), "\n")
cat("p.adjust(p, 'holm')", p17(p.adjust(p, "holm")), "\n")
cat("p.adjust(p, 'BH')", p17(p.adjust(p, "BH")), "\n")
cat("## power\n")
for (args in list(c(1, 1, 0.05), c(2, 3, 0.05), c(0.5, 1, 0.01), c(3.6, 2, 0.05), c(1, 2.5, 0.005))) {
  pw <- power.t.test(delta = args[1], sd = args[2], sig.level = args[3], power = 0.8,
                     type = "one.sample", alternative = "two.sided", strict = TRUE)
  cat("power.t.test(delta=", args[1], ", sd=", args[2], ", sig.level=", args[3],
      ", power=0.8, type='one.sample', strict=TRUE): n", p17(pw$n), "ceiling", ceiling(pw$n), "\n")
}
