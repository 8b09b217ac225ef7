"""The exercises of each chapter, for the grader (generated: do not edit).

Introduced in the preface (*Grading submitted notebooks*). Each entry is
(label, title, checker module, checker, function). Regenerate with
``python -m lecture_code.exercises.grade --write-registry book/``; a test checks
that it matches the notebooks in book/.
"""

EXERCISES = {
    '01_divided_differences': [
        ('ex-newton-own', "Newton's method with your own derivative",
         'lecture_code.exercises.autodiff_basics', 'check_newton', 'my_newton'),
        ('ex-central-step', 'A central difference with the right step',
         'lecture_code.exercises.autodiff_basics', 'check_central_difference', 'central_diff'),
        ('ex-optimal-forward', 'The optimal forward step',
         'lecture_code.exercises.autodiff_basics', 'check_optimal_forward_step', 'optimal_forward_step'),
    ],
    '02_dual_numbers': [
        ('ex-dual-div', 'Dividing dual numbers',
         'lecture_code.exercises.autodiff_basics', 'check_dual_div', 'dual_div'),
        ('ex-dual-tan', 'A dual tangent',
         'lecture_code.exercises.autodiff_basics', 'check_dual_tan', 'dual_tan'),
        ('ex-newton-dual', "Newton's method with dual numbers",
         'lecture_code.exercises.autodiff_basics', 'check_newton_dual', 'newton_dual'),
    ],
    '03_chain_rule': [
        ('ex-dual-program', 'A dual program line by hand',
         'lecture_code.exercises.autodiff_basics', 'check_dual_program', 'dual_program'),
        ('ex-tangent-sweep', 'A tangent sweep with the rules table',
         'lecture_code.exercises.autodiff_basics', 'check_tangent_sweep', 'tangent_sweep'),
        ('ex-directional', 'A directional derivative in one pass',
         'lecture_code.exercises.autodiff_basics', 'check_directional_derivative', 'directional_derivative'),
    ],
    '04_three_ways': [
        ('ex-d-horner', 'Source transformation by hand',
         'lecture_code.exercises.autodiff_basics', 'check_d_horner', 'd_horner'),
        ('ex-count-ops', 'Operator overloading in twenty lines',
         'lecture_code.exercises.autodiff_basics', 'check_count_operations', 'count_operations'),
        ('ex-for-loop', 'Make it transformable',
         'lecture_code.exercises.autodiff_basics', 'check_for_loop_version', 'power'),
    ],
    '05_forward_reverse': [
        ('ex-adjoint-sweep', 'A reverse sweep by hand',
         'lecture_code.exercises.autodiff_modes', 'check_adjoint_sweep', 'adjoint_sweep'),
        ('ex-softmax-vjp', 'A VJP rule for softmax',
         'lecture_code.exercises.autodiff_modes', 'check_softmax_vjp', 'softmax_vjp'),
        ('ex-matvec-vjp', 'The VJP of a matrix-vector product',
         'lecture_code.exercises.autodiff_modes', 'check_matvec_vjp', 'matvec_vjp'),
    ],
    '06_jacobians_hessians': [
        ('ex-jacobian-from-jvps', 'A Jacobian from forward sweeps',
         'lecture_code.exercises.autodiff_modes', 'check_jacobian_from_jvps', 'jacobian_from_jvps'),
        ('ex-jacobian-from-vjps', 'A Jacobian from reverse sweeps',
         'lecture_code.exercises.autodiff_modes', 'check_jacobian_from_vjps', 'jacobian_from_vjps'),
        ('ex-hvp', 'A Hessian-vector product',
         'lecture_code.exercises.autodiff_modes', 'check_hvp', 'my_hvp'),
    ],
    '07_applications': [
        ('ex-newton-system', 'Newton for a system, with your own Jacobian',
         'lecture_code.exercises.autodiff_modes', 'check_newton_system', 'newton_system'),
        ('ex-newton-minimise', "Newton's method for a minimum",
         'lecture_code.exercises.autodiff_modes', 'check_newton_minimise', 'newton_minimise'),
        ('ex-implicit-euler-step', 'One implicit Euler step',
         'lecture_code.exercises.autodiff_modes', 'check_implicit_euler_step', 'implicit_euler_step'),
    ],
    '08_gaussians': [
        ('ex-gauss-logpdf', 'A log-density via Cholesky',
         'lecture_code.exercises.mixture_basics', 'check_gaussian_logpdf', 'gaussian_logpdf'),
        ('ex-gauss-sample', 'Sampling by transforming standard normals',
         'lecture_code.exercises.mixture_basics', 'check_sample_gaussian', 'sample_gaussian'),
        ('ex-gauss-axes', 'A covariance from its axes',
         'lecture_code.exercises.mixture_basics', 'check_covariance_from_axes', 'covariance_from_axes'),
    ],
    '09_mixtures': [
        ('ex-mix-sample', 'Sampling from a mixture',
         'lecture_code.exercises.mixture_basics', 'check_sample_mixture', 'sample_mixture'),
        ('ex-mix-mle', 'Supervised maximum-likelihood estimates',
         'lecture_code.exercises.mixture_basics', 'check_supervised_mle', 'supervised_mle'),
        ('ex-mix-resp', 'Responsibilities',
         'lecture_code.exercises.mixture_basics', 'check_responsibilities', 'responsibilities'),
    ],
    '10_marginal_likelihood': [
        ('ex-ml-logsumexp', 'A stable log-sum-exp',
         'lecture_code.exercises.mixture_basics', 'check_logsumexp', 'logsumexp'),
        ('ex-ml-loglik', 'The marginal log-likelihood',
         'lecture_code.exercises.mixture_basics', 'check_mixture_loglik', 'mixture_loglik'),
        ('ex-ml-two-means', 'Gradient ascent on two means with grad',
         'lecture_code.exercises.mixture_basics', 'check_fit_two_means', 'fit_two_means'),
    ],
    '11_em': [
        ('ex-em-estep', 'The E-step',
         'lecture_code.exercises.mixture_em', 'check_e_step', 'e_step'),
        ('ex-em-mstep', 'The M-step',
         'lecture_code.exercises.mixture_em', 'check_m_step', 'm_step'),
        ('ex-em-means-only', 'The means-only update by hand',
         'lecture_code.exercises.mixture_em', 'check_means_only_step', 'means_only_step'),
        ('ex-em-loop', 'The EM loop, and a bug it exposes',
         'lecture_code.exercises.mixture_em', 'check_run_em', 'run_em'),
    ],
    '12_kmeans': [
        ('ex-km-assign', 'The assignment step',
         'lecture_code.exercises.kmeans', 'check_assign_labels', 'assign_labels'),
        ('ex-km-update', 'The update step, and an empty cluster',
         'lecture_code.exercises.kmeans', 'check_update_centers', 'update_centers'),
        ('ex-km-soft', 'Soft assignments as sigma goes to zero',
         'lecture_code.exercises.kmeans', 'check_soft_assign', 'soft_assign'),
        ('ex-km-plusplus', 'The k-means++ weights',
         'lecture_code.exercises.kmeans', 'check_dsquared_probabilities', 'dsquared_probabilities'),
    ],
    '13_sklearn': [
        ('ex-sk-n-parameters', 'Counting free parameters',
         'lecture_code.exercises.model_selection', 'check_n_parameters', 'n_parameters'),
        ('ex-sk-bic', 'The BIC by hand',
         'lecture_code.exercises.model_selection', 'check_bic_by_hand', 'bic_by_hand'),
        ('ex-sk-select-k', 'Choosing K',
         'lecture_code.exercises.model_selection', 'check_select_k', 'select_k'),
    ],
}
