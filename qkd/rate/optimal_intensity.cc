#include "qkdlab/qkd/optimal_intensity.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>

#include <memory>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

struct Problem {
    const std::function<double(const LinkParameters&, double)>* rate;
    const LinkParameters* link;
};

double negative_rate(double mu, void* params) {
    const auto* p = static_cast<const Problem*>(params);
    return -(*p->rate)(*p->link, mu);
}

}  // namespace

OptimalIntensity optimal_intensity(const std::function<double(const LinkParameters&, double)>& rate,
                                   const LinkParameters& link, double low, double high) {
    if (!(low > 0 && high > low)) {
        throw Error("the intensity range must satisfy 0 < low < high, got [" + std::to_string(low) + ", " +
                    std::to_string(high) + "]");
    }
    // Brent needs a starting point below both ends; take the best of a coarse grid.
    constexpr int GRID = 64;
    double best_mu = low, best_rate = rate(link, low);
    for (int k = 1; k <= GRID; ++k) {
        const double mu = low + (high - low) * k / GRID;
        const double r = rate(link, mu);
        if (r > best_rate) best_rate = r, best_mu = mu;
    }
    if (best_rate <= 0) return {best_mu, 0};
    const double step = (high - low) / GRID;
    const double a = std::max(low, best_mu - step), b = std::min(high, best_mu + step);
    if (best_mu <= a || best_mu >= b || -rate(link, a) <= -best_rate || -rate(link, b) <= -best_rate) {
        return {best_mu, best_rate};  // the maximum sits at an end of the range
    }
    Problem problem{&rate, &link};
    gsl_function f{&negative_rate, &problem};
    const std::unique_ptr<gsl_min_fminimizer, decltype(&gsl_min_fminimizer_free)> minimizer(
        gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent), &gsl_min_fminimizer_free);
    gsl_error_handler_t* previous = gsl_set_error_handler_off();
    int status = gsl_min_fminimizer_set(minimizer.get(), &f, best_mu, a, b);
    for (int iteration = 0; status == GSL_SUCCESS && iteration < 200; ++iteration) {
        status = gsl_min_fminimizer_iterate(minimizer.get());
        if (status != GSL_SUCCESS) break;
        const double lower = gsl_min_fminimizer_x_lower(minimizer.get());
        const double upper = gsl_min_fminimizer_x_upper(minimizer.get());
        if (gsl_min_test_interval(lower, upper, 1e-10, 1e-8) == GSL_SUCCESS) break;
    }
    gsl_set_error_handler(previous);
    const double mu = gsl_min_fminimizer_x_minimum(minimizer.get());
    const double r = rate(link, mu);
    return r >= best_rate ? OptimalIntensity{mu, r} : OptimalIntensity{best_mu, best_rate};
}

}  // namespace qkdlab::qkd
