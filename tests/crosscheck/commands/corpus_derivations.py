r"""Students' own derivations, for ``python -m crosscheck derive`` (``check_derivation``).

Each entry of :data:`CASES` is ONE derivation as a student would hand it in (an ``align*``
environment, or a Markdown ``$$ \begin{aligned} ... \end{aligned} $$`` block):

* ``name``: a short identifier;
* ``text``: the LaTeX, rows joined by ``\\``; row 1 is ``lhs &= rhs``, later rows ``&= rhs``
  (or ``&\geq``/``&\leq``), each relating its right side to the right side of the row before;
* ``ok``: whether every step is mathematically right;
* ``first_wrong``: the first row (numbered from 1 within the derivation) whose relation is false,
  or None;
* ``slip``: what is wrong (one slip per wrong case), "" for a correct one.

``ok`` and ``first_wrong`` were decided by hand from the mathematics, before any case was run
through the tool; they are NOT the tool's output.

Conventions used to decide them
-------------------------------
* A row whose left side is a name (``\mathcal{L}``, ``L``) only defines that name; its relation is
  not a step.  A row whose left side is a formula (``\log p_\theta(\mathbf{x}_0)``, a KL) is a step.
* Rows after a slip are written to follow correctly from the wrong row, so that the slip is the only
  error and ``first_wrong`` is its row.
* Problem 1 statements are for every T >= 1 (empty sums are 0; for T = 1, x_T = x_1).  Bayes' rule
  q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0) / q(x_{t-1}|x_0) is used for t >= 2 only: at t = 1
  q(x_0|x_1,x_0) and q(x_0|x_0) are point masses, not densities.
* ``L`` in Ho et al. (2020, Appendix A) is the NEGATIVE bound E_q[-log p_theta(x_{0:T})/q(x_{1:T}|x_0)].
* Problem 3: mu_theta is the eps-parameterised mean (x_t - beta_t/sqrt(1-abar_t) eps_theta)/sqrt(alpha_t);
  Gaussian KLs are per coordinate when written with scalars; with \|.\|^2 the variance terms carry
  the dimension d.  ``+ C`` is a term free of eps_theta; ``\text{when } \sigma_t^2 = \tilde\beta_t``
  is a condition substituted into that row.  Statements involving beta_tilde_t in a log or a
  denominator are for t >= 2 (beta_tilde_1 = 0).
* Lab 3: p(x,z) = p(x|z) p(z) = p(z|x) p(x); q(z|x) is the encoder.
"""

# Plain data: no test functions here.

CASES = [
    # The lecture's route (Problem 1 Parts A-D): factorise, split off t = 1, Bayes' rule for t >= 2
    # (q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0) / q(x_{t-1}|x_0)), telescope sum_{t=2}^T log
    # q(x_{t-1}|x_0)/q(x_t|x_0) = log q(x_1|x_0)/q(x_T|x_0), marginalise each term to the variables it
    # depends on, name the KLs.
    {
        "name": 'p1_lecture_route',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)\prod_{t=1}^T p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{\prod_{t=1}^T q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) - \log q(\mathbf{x}_1|\mathbf{x}_0) + \sum_{t=2}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=2}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=2}^T \log\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \log\frac{q(\mathbf{x}_1|\mathbf{x}_0)}{q(\mathbf{x}_T|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] + \mathbb{E}_{q(\mathbf{x}_T|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)}\right] + \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[\mathbb{E}_{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right]\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Ho et al. 2020, Appendix A, eqs. (17)-(22), in Ho's own notation: the NEGATIVE bound L =
    # E_q[-log p_theta(x_{0:T})/q(x_{1:T}|x_0)], sums written \sum_{t\geq 1} and \sum_{t>1} (t runs to
    # T), the KLs left inside the outer E_q (E_{q(x_{1:T}|x_0)}[KL(q(x_{t-1}|x_t,x_0)||p_theta)] =
    # E_{q(x_t|x_0)}[KL(...)] since KL depends on x_t (and x_0) only).
    {
        "name": 'p1_ho_appendix_a_verbatim',
        "text": r"""\begin{align*}
L &= \mathbb{E}_q\left[-\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_q\left[-\log p(\mathbf{x}_T) - \sum_{t\geq 1}\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_q\left[-\log p(\mathbf{x}_T) - \sum_{t>1}\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})} - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_q\left[-\log p(\mathbf{x}_T) - \sum_{t>1}\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\cdot\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)} - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_q\left[-\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} - \sum_{t>1}\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} - \log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] \\
&= \mathbb{E}_q\left[D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) + \sum_{t>1} D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) - \log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Ho's route with explicit limits, Bayes' rule and the telescoping done in one step (row 4),
    # ending at minus the three-forces form.
    {
        "name": 'p1_ho_negative_bound_explicit_limits',
        "text": r"""\begin{align*}
L &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log p(\mathbf{x}_T) - \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log p(\mathbf{x}_T) - \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})} - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} - \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} - \log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] \\
&= D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) + \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right] - \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] \\
&= -\left(\mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]\right)
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Split q(x_1|x_0) out of the forward product first, add x_0 to the conditioning (Markov:
    # q(x_t|x_{t-1}) = q(x_t|x_{t-1},x_0)), Bayes' rule inside the product for t >= 2, and the product
    # prod_{t=2}^T q(x_t|x_0)/q(x_{t-1}|x_0) = q(x_T|x_0)/q(x_1|x_0) telescopes.
    {
        "name": 'p1_split_q1_first',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)\,p_\theta(\mathbf{x}_0|\mathbf{x}_1)\prod_{t=2}^T p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_1|\mathbf{x}_0)\prod_{t=2}^T q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)\,p_\theta(\mathbf{x}_0|\mathbf{x}_1)\prod_{t=2}^T p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_1|\mathbf{x}_0)\prod_{t=2}^T q(\mathbf{x}_t|\mathbf{x}_{t-1},\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)\,p_\theta(\mathbf{x}_0|\mathbf{x}_1)\prod_{t=2}^T p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_1|\mathbf{x}_0)\prod_{t=2}^T \frac{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,q(\mathbf{x}_t|\mathbf{x}_0)}{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)\,p_\theta(\mathbf{x}_0|\mathbf{x}_1)\prod_{t=2}^T p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_T|\mathbf{x}_0)\prod_{t=2}^T q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The timestep written s throughout, terms in another order, Bayes + telescoping in one step (row
    # 4).
    {
        "name": 'p1_index_s_reordered_big_steps',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{s=1}^T\log\frac{p_\theta(\mathbf{x}_{s-1}|\mathbf{x}_s)}{q(\mathbf{x}_s|\mathbf{x}_{s-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \log p(\mathbf{x}_T) + \sum_{s=2}^T\log\frac{p_\theta(\mathbf{x}_{s-1}|\mathbf{x}_s)}{q(\mathbf{x}_s|\mathbf{x}_{s-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\sum_{s=2}^T\log\frac{p_\theta(\mathbf{x}_{s-1}|\mathbf{x}_s)}{q(\mathbf{x}_{s-1}|\mathbf{x}_s,\mathbf{x}_0)} + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] \\
&= -\sum_{s=2}^T\mathbb{E}_{q(\mathbf{x}_s|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{s-1}|\mathbf{x}_s,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{s-1}|\mathbf{x}_s))\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) + \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The lecture's Part B hint literally: separate log q(x_T|x_{T-1}) from the forward sum, reindex t
    # -> t-1 WITH the limits shifted (sum_{t=1}^{T-1} f(t) = sum_{t=2}^T f(t-1)), giving the
    # 'mismatched terms' log p_theta(x_{t-1}|x_t) - log q(x_{t-1}|x_{t-2}). Every row is an identity
    # (also at T = 1, where the sums are empty and x_{T-1} = x_0).
    {
        "name": 'p1_lecture_part_b_reindex',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \log q(\mathbf{x}_T|\mathbf{x}_{T-1}) - \sum_{t=1}^{T-1} \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \log q(\mathbf{x}_T|\mathbf{x}_{T-1}) - \sum_{t=2}^{T} \log q(\mathbf{x}_{t-1}|\mathbf{x}_{t-2})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_{T-1})} + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_{t-2})}\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # log p_theta(x_0) >= ELBO: marginalise, multiply and divide by q, Jensen (log is concave, so log
    # E[.] >= E[log .]).
    {
        "name": 'p1_jensen_with_integral',
        "text": r"""\begin{align*}
\log p_\theta(\mathbf{x}_0) &= \log\int p_\theta(\mathbf{x}_{0:T})\,d\mathbf{x}_{1:T} \\
&= \log\int q(\mathbf{x}_{1:T}|\mathbf{x}_0)\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\,d\mathbf{x}_{1:T} \\
&= \log \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&\geq \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The bound in two rows.
    {
        "name": 'p1_jensen_short',
        "text": r"""\begin{align*}
\log p_\theta(\mathbf{x}_0) &= \log \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&\geq \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # From the log-evidence through Jensen to the three forces; row 4 is the split + Bayes +
    # telescoping in one step.
    {
        "name": 'p1_jensen_then_three_forces',
        "text": r"""\begin{align*}
\log p_\theta(\mathbf{x}_0) &= \log \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&\geq \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # KL >= 0: dropping -KL(q(x_T|x_0)||p(x_T)) <= 0 and then -sum E[KL] <= 0 can only increase the
    # value.
    {
        "name": 'p1_kl_nonnegative_drops_prior',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right] \\
&\leq \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right] \\
&\leq \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right]
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # A Markdown $$ block with aligned, the short subscript E_q (= E_{q(x_{1:T}|x_0)}) and the
    # lecture's own spelling D_{KL}(. \| .) of the final form (eqs. 5-7).
    {
        "name": 'p1_lecture_notation_md',
        "text": r"""$$
\begin{aligned}
\mathcal{L} &= \mathbb{E}_q\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_q\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_q\left[\log p(\mathbf{x}_T) + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} - \sum_{t=2}^T\log\frac{q(\mathbf{x}_t|\mathbf{x}_0)}{q(\mathbf{x}_{t-1}|\mathbf{x}_0)} - \log q(\mathbf{x}_1|\mathbf{x}_0)\right] \\
&= \mathbb{E}_q\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) - \log\frac{q(\mathbf{x}_T|\mathbf{x}_0)}{p(\mathbf{x}_T)} - \sum_{t=2}^T\log\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)] - D_{KL}(q(\mathbf{x}_T|\mathbf{x}_0) \| p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)} [D_{KL}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0) \| p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))]
\end{aligned}
$$""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Substitute x_0 = (x_t - sqrt(1-abar_t) eps)/sqrt(abar_t); sqrt(abar_{t-1})/sqrt(abar_t) =
    # 1/sqrt(alpha_t); beta_t + alpha_t(1 - abar_{t-1}) = 1 - alpha_t + alpha_t - abar_t = 1 - abar_t.
    {
        "name": 'p3a_step_by_step',
        "text": r"""\begin{align*}
\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\cdot\frac{1}{\sqrt{\bar\alpha_t}}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t+\alpha_t(1-\bar\alpha_{t-1})}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon} \\
&= \frac{1-\bar\alpha_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon} \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon}\right)
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The lecture's final form with 1 - alpha_t for beta_t; sqrt(alpha_t)(1 - abar_{t-1}) = (alpha_t -
    # abar_t)/sqrt(alpha_t). A Markdown $$ aligned block.
    {
        "name": 'p3a_lecture_form_md',
        "text": r"""$$
\begin{aligned}
\tilde\mu_t &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar\alpha_{t-1}}(1-\alpha_t)}{(1-\bar\alpha_t)\sqrt{\bar\alpha_t}}\left(\mathbf{x}_t - \sqrt{1-\bar\alpha_t}\,\epsilon\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{1-\alpha_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t + \frac{\alpha_t-\bar\alpha_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{1-\alpha_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\epsilon \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t - \frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)
\end{aligned}
$$""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The whole substitution in one step, then the roots combined.
    {
        "name": 'p3a_big_step',
        "text": r"""\begin{align*}
\tilde\mu_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{1}{\sqrt{\alpha_t}}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\epsilon \\
&= \frac{\mathbf{x}_t}{\sqrt{\alpha_t}} - \frac{\beta_t}{\sqrt{\alpha_t(1-\bar\alpha_t)}}\epsilon
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Per coordinate: KL(N(m1,v1)||N(m2,v2)) = 1/2 (log v2/v1 + v1/v2 - 1 + (m1-m2)^2/v2); the first
    # three terms are free of eps_theta; mu_tilde_t - mu_theta = beta_t/(sqrt(alpha_t) sqrt(1-abar_t))
    # (eps_theta - eps).
    {
        "name": 'p3b_scalar',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1 + \frac{(\tilde\mu_t-\mu_\theta)^2}{\sigma_t^2}\right) \\
&= \frac{(\tilde\mu_t-\mu_\theta)^2}{2\sigma_t^2} + C \\
&= \frac{1}{2\sigma_t^2}\left(\frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right) - \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon_\theta(\mathbf{x}_t,t)\right)\right)^2 + C \\
&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 + C
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The d-dimensional KL: the variance terms are per coordinate, so they carry the factor d; the
    # norm is the sum over coordinates.
    {
        "name": 'p3b_norm_with_dimension',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2\sigma_t^2}\|\tilde{\boldsymbol{\mu}}_t-\boldsymbol{\mu}_\theta\|^2 + \frac{d}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\right) \\
&= \frac{1}{2\sigma_t^2}\|\tilde{\boldsymbol{\mu}}_t-\boldsymbol{\mu}_\theta\|^2 + C \\
&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\|\boldsymbol{\epsilon}-\boldsymbol{\epsilon}_\theta(\mathbf{x}_t,t)\|^2 + C
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # With sigma_t^2 = beta_tilde_t the log term is 0 and beta_tilde/sigma^2 - 1 = 0: the KL IS the
    # weighted MSE, no + C. Row 3 writes the scalar square as \left\|.\right\|^2 of a per-coordinate
    # quantity.
    {
        "name": 'p3b_mse_exact_when_condition',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1 + \frac{(\tilde\mu_t-\mu_\theta)^2}{\sigma_t^2}\right) \\
&= \frac{(\tilde\mu_t-\mu_\theta)^2}{2\sigma_t^2} \quad\text{when } \sigma_t^2 = \tilde\beta_t \\
&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\left\|\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right\|^2 \quad\text{when } \sigma_t^2 = \tilde\beta_t
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # beta_t^2/(2 beta_tilde_t alpha_t (1-abar_t)) with beta_tilde_t = (1-abar_{t-1})
    # beta_t/(1-abar_t) is beta_t/(2 alpha_t (1-abar_{t-1})); row 2 has no + C and the KL is exactly
    # that under the condition (t >= 2, where beta_tilde_t > 0).
    {
        "name": 'p3b_simplified_weight_exact',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 + C \\
&= \frac{\beta_t}{2\alpha_t(1-\bar\alpha_{t-1})}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 \quad\text{when } \sigma_t^2 = \tilde\beta_t
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Lab 3's single-latent ELBO by Jensen.
    {
        "name": 'lab3_jensen_elbo',
        "text": r"""\begin{align*}
\log p(x) &= \log\int p(x,z)\,dz \\
&= \log\int q(z|x)\frac{p(x,z)}{q(z|x)}\,dz \\
&= \log\mathbb{E}_{q(z|x)}\left[\frac{p(x,z)}{q(z|x)}\right] \\
&\geq \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x|z)\,p(z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] + \mathbb{E}_{q(z|x)}\left[\log\frac{p(z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{\mathrm{KL}}(q(z|x)\,\|\,p(z))
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # The exact gap: log p(x) = ELBO + KL(q(z|x)||p(z|x)).
    {
        "name": 'lab3_gap',
        "text": r"""\begin{align*}
\log p(x) &= \mathbb{E}_{q(z|x)}[\log p(x)] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\cdot\frac{q(z|x)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] + \mathbb{E}_{q(z|x)}\left[\log\frac{q(z|x)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] + D_{\mathrm{KL}}(q(z|x)\,\|\,p(z|x)) \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{\mathrm{KL}}(q(z|x)\,\|\,p(z)) + D_{\mathrm{KL}}(q(z|x)\,\|\,p(z|x))
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # ELBO = log p(x) - KL(q||posterior) <= log p(x) since KL >= 0.
    {
        "name": 'lab3_kl_nonnegative',
        "text": r"""\begin{align*}
\mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{\mathrm{KL}}(q(z|x)\,\|\,p(z)) &= \log p(x) - D_{\mathrm{KL}}(q(z|x)\,\|\,p(z|x)) \\
&\leq \log p(x)
\end{align*}""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Bold x, z in a Markdown $$ aligned block; row 1 is the bound in one step (Jensen, or
    # equivalently KL(q(z|x)||p(z|x)) >= 0).
    {
        "name": 'lab3_bold_md',
        "text": r"""$$
\begin{aligned}
\log p(\mathbf{x}) &\geq \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}\left[\log\frac{p(\mathbf{x},\mathbf{z})}{q(\mathbf{z}|\mathbf{x})}\right] \\
&= \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}[\log p(\mathbf{x}|\mathbf{z})] - D_{\mathrm{KL}}(q(\mathbf{z}|\mathbf{x})\,\|\,p(\mathbf{z}))
\end{aligned}
$$""",
        "ok": True,
        "first_wrong": None,
        "slip": '',
    },
    # Rows 3-5 are right given row 2 (the slip carries on to a form without the reconstruction term).
    {
        "name": 'p1_wrong_dropped_boundary_term',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=2}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=2}^T \log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})} - \log q(\mathbf{x}_1|\mathbf{x}_0)\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= -D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2 lowers the reverse sum to t=2 but drops its t=1 term log p_theta(x_0|x_1) (the reconstruction term)',
    },
    # Row 2 is right (Bayes for t >= 2, the t = 1 forward term kept). Rows 4-5 follow from row 3.
    {
        "name": 'p1_wrong_limits_not_shifted',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) - \sum_{t=1}^T \log q(\mathbf{x}_t|\mathbf{x}_{t-1})\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=2}^T\log q(\mathbf{x}_{t-1}|\mathbf{x}_0) - \sum_{t=2}^T\log q(\mathbf{x}_t|\mathbf{x}_0)\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=2}^T\log q(\mathbf{x}_t|\mathbf{x}_0) - \sum_{t=2}^T\log q(\mathbf{x}_t|\mathbf{x}_0)\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] + \mathbb{E}_{q(\mathbf{x}_T|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T)\right] - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 3,
        "slip": 'row 3 reindexes sum_{t=2}^T log q(x_{t-1}|x_0) to sum log q(x_t|x_0) but keeps the limits 2..T (should be 1..T-1); it loses log q(x_1|x_0) - log q(x_T|x_0)',
    },
    # Row 3 also silently uses q(x_0|x_0) = 1 in the telescoping; the first wrong row is 2.
    {
        "name": 'p1_wrong_bayes_at_t1',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\left(\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\cdot\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)}\right)\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= -D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=1}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": "row 2 applies Bayes' rule at t = 1 too: q(x_0|x_1,x_0) and q(x_0|x_0) are point masses (no densities), so the t=1 term is meaningless; Bayes' rule must be used for t >= 2 only",
    },
    {
        "name": 'p1_wrong_expectation_subscript',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_T|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4 takes the reconstruction term under E_{q(x_T|x_0)}, but log p_theta(x_0|x_1) depends on x_1: it must be E_{q(x_1|x_0)} (the two agree only for T = 1)',
    },
    {
        "name": 'p1_wrong_sign_prior_kl',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] + \mathbb{E}_{q(\mathbf{x}_T|\mathbf{x}_0)}\left[\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)}\right] + \sum_{t=2}^T\mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[\mathbb{E}_{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right]\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] + D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 5,
        "slip": 'row 5: E_{q(x_T|x_0)}[log p(x_T)/q(x_T|x_0)] = -KL(q(x_T|x_0)||p(x_T)), written with + (sign error)',
    },
    {
        "name": 'p1_wrong_swapped_kl',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T\mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)\,\|\,q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4 writes the denoising KL as KL(p_theta(x_{t-1}|x_t) || q(x_{t-1}|x_t,x_0)); the expectation is under q, so it is KL(q || p_theta) (KL is not symmetric)',
    },
    {
        "name": 'p1_wrong_jensen_direction',
        "text": r"""\begin{align*}
\log p_\theta(\mathbf{x}_0) &= \log \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&\leq \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2: Jensen for the concave log gives log E[.] >= E[log .]; \\leq is the wrong direction',
    },
    # Row 4 telescopes row 3 correctly.
    {
        "name": 'p1_wrong_bayes_marginals_swapped',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\left(\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\cdot\frac{q(\mathbf{x}_t|\mathbf{x}_0)}{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}\right)\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\log p(\mathbf{x}_T) + \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \log\frac{q(\mathbf{x}_T|\mathbf{x}_0)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 3,
        "slip": 'row 3 uses q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_{t-1}|x_0)/q(x_t|x_0) (marginals swapped); Bayes gives q(x_{t-1}|x_t,x_0) q(x_t|x_0)/q(x_{t-1}|x_0)',
    },
    {
        "name": 'p1_wrong_kl_bound_direction',
        "text": r"""\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0)\,\|\,p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right] \\
&\geq \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}\left[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)\right] - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)}\left[D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2: dropping -KL(q(x_T|x_0)||p(x_T)) <= 0 makes the value larger, so it is <=, not >=',
    },
    # Ho's negative bound.
    {
        "name": 'p1_wrong_ho_q1_not_cancelled',
        "text": r"""\begin{align*}
L &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log p(\mathbf{x}_T) - \sum_{t=1}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log p(\mathbf{x}_T) - \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})} - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log p(\mathbf{x}_T) - \sum_{t=2}^T\log\left(\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\cdot\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)}\right) - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[-\log\frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} - \sum_{t=2}^T\log\frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} - \log\frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)}\right]
\end{align*}""",
        "ok": False,
        "first_wrong": 5,
        "slip": "row 5 telescopes sum_{t=2}^T log q(x_{t-1}|x_0)/q(x_t|x_0) = log q(x_1|x_0)/q(x_T|x_0) but keeps the 1/q(x_1|x_0) of the t=1 term, which that telescoped q(x_1|x_0) cancels (Ho's eq. 21 has -log p_theta(x_0|x_1))",
    },
    # Row 5 simplifies row 4 correctly (beta_t + alpha_t - alpha_t abar_t = 1 - alpha_t abar_t).
    {
        "name": 'p3a_wrong_alpha_bar_t_for_t_minus_1',
        "text": r"""\begin{align*}
\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\cdot\frac{1}{\sqrt{\bar\alpha_t}}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t+\alpha_t(1-\bar\alpha_t)}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon} \\
&= \frac{1-\alpha_t\bar\alpha_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon}
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4 collects the x_t terms with alpha_t(1 - abar_t) where row 3 has alpha_t(1 - abar_{t-1})',
    },
    {
        "name": 'p3a_wrong_dropped_sqrt_final',
        "text": r"""\begin{align*}
\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{1}{\sqrt{\alpha_t}}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon} \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\frac{\beta_t}{1-\bar\alpha_t}\boldsymbol{\epsilon}\right)
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4 drops the square root: the eps coefficient is beta_t/sqrt(1-abar_t), not beta_t/(1-abar_t)',
    },
    # Row 4 follows from row 3.
    {
        "name": 'p3a_wrong_sign',
        "text": r"""\begin{align*}
\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\cdot\frac{1}{\sqrt{\bar\alpha_t}}\left(\mathbf{x}_t-\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\beta_t}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\left(\mathbf{x}_t+\sqrt{1-\bar\alpha_t}\,\boldsymbol{\epsilon}\right) + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t+\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\boldsymbol{\epsilon}\right)
\end{align*}""",
        "ok": False,
        "first_wrong": 3,
        "slip": 'row 3 flips the sign of the eps term (x_t + sqrt(1-abar_t) eps)',
    },
    # Row 3 simplifies row 2 correctly.
    {
        "name": 'p3a_wrong_x0_dropped_sqrt',
        "text": r"""\begin{align*}
\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t,\mathbf{x}_0) &= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\cdot\frac{\mathbf{x}_t-(1-\bar\alpha_t)\boldsymbol{\epsilon}}{\sqrt{\bar\alpha_t}} + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t-\beta_t\boldsymbol{\epsilon}\right)
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2 substitutes x_0 = (x_t - (1-abar_t) eps)/sqrt(abar_t): the root on 1-abar_t is dropped',
    },
    # Rows 2-3 follow from row 1.
    {
        "name": 'p3b_wrong_swapped_kl',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\tilde\beta_t}{\sigma_t^2} + \frac{\sigma_t^2}{\tilde\beta_t} - 1 + \frac{(\tilde\mu_t-\mu_\theta)^2}{\tilde\beta_t}\right) \\
&= \frac{(\tilde\mu_t-\mu_\theta)^2}{2\tilde\beta_t} + C \\
&= \frac{\beta_t^2}{2\tilde\beta_t\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 + C
\end{align*}""",
        "ok": False,
        "first_wrong": 1,
        "slip": 'row 1 is KL(p_theta || q) = KL(N(mu_theta, sigma^2) || N(mu_tilde, beta_tilde)), the arguments swapped (the squared mean difference must be divided by sigma_t^2)',
    },
    {
        "name": 'p3b_wrong_weight_unsquared_sqrt_alpha',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1 + \frac{(\tilde\mu_t-\mu_\theta)^2}{\sigma_t^2}\right) \\
&= \frac{(\tilde\mu_t-\mu_\theta)^2}{2\sigma_t^2} + C \\
&= \frac{1}{2\sigma_t^2}\left(\frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\left(\epsilon_\theta(\mathbf{x}_t,t)-\epsilon\right)\right)^2 + C \\
&= \frac{\beta_t^2}{2\sigma_t^2\sqrt{\alpha_t}(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 + C
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4 squares beta_t and sqrt(1-abar_t) but not 1/sqrt(alpha_t): the weight has alpha_t, not sqrt(alpha_t)',
    },
    # Row 2 would be fine as a step (the terms are eps_theta-free).
    {
        "name": 'p3b_wrong_norm_without_dimension',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\right) + \frac{\|\tilde{\boldsymbol{\mu}}_t-\boldsymbol{\mu}_\theta\|^2}{2\sigma_t^2} \\
&= \frac{\|\tilde{\boldsymbol{\mu}}_t-\boldsymbol{\mu}_\theta\|^2}{2\sigma_t^2} + C
\end{align*}""",
        "ok": False,
        "first_wrong": 1,
        "slip": 'row 1 writes the d-dimensional KL with the norm over all coordinates but the variance terms only once; they are per coordinate and need the factor d (wrong for d > 1)',
    },
    {
        "name": 'p3b_wrong_missing_plus_c',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1 + \frac{(\tilde\mu_t-\mu_\theta)^2}{\sigma_t^2}\right) \\
&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2 drops the eps_theta-free terms 1/2(log sigma^2/beta_tilde + beta_tilde/sigma^2 - 1) without writing + C (or the condition sigma_t^2 = beta_tilde_t)',
    },
    {
        "name": 'p3b_wrong_alpha_bar_t_in_weight',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)) &= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 + C \\
&= \frac{\beta_t}{2\alpha_t(1-\bar\alpha_t)}\left(\epsilon-\epsilon_\theta(\mathbf{x}_t,t)\right)^2 \quad\text{when } \sigma_t^2 = \tilde\beta_t
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2: with sigma_t^2 = beta_tilde_t the weight is beta_t/(2 alpha_t (1 - abar_{t-1})); abar_t written for abar_{t-1}',
    },
    {
        "name": 'lab3_wrong_jensen_direction',
        "text": r"""\begin{align*}
\log p(x) &= \log\mathbb{E}_{q(z|x)}\left[\frac{p(x,z)}{q(z|x)}\right] \\
&\leq \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{\mathrm{KL}}(q(z|x)\,\|\,p(z))
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2: Jensen for the concave log gives >=, not <=',
    },
    {
        "name": 'lab3_wrong_swapped_kl',
        "text": r"""\begin{align*}
\log p(x) &= \log\mathbb{E}_{q(z|x)}\left[\frac{p(x,z)}{q(z|x)}\right] \\
&\geq \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{\mathrm{KL}}(p(z)\,\|\,q(z|x))
\end{align*}""",
        "ok": False,
        "first_wrong": 3,
        "slip": 'row 3: E_q[log p(z)/q(z|x)] = -KL(q(z|x)||p(z)); the KL is written with its arguments swapped',
    },
    {
        "name": 'lab3_wrong_sign',
        "text": r"""\begin{align*}
\log p(x) &\geq \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] + \mathbb{E}_{q(z|x)}\left[\log\frac{p(z)}{q(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}[\log p(x|z)] + D_{\mathrm{KL}}(q(z|x)\,\|\,p(z))
\end{align*}""",
        "ok": False,
        "first_wrong": 3,
        "slip": 'row 3: E_q[log p(z)/q(z|x)] is MINUS the KL; written with +',
    },
    # Row 3 follows from row 2.
    {
        "name": 'lab3_wrong_bayes_marginals_swapped',
        "text": r"""\begin{align*}
D_{\mathrm{KL}}(q(z|x)\,\|\,p(z|x)) &= \mathbb{E}_{q(z|x)}\left[\log\frac{q(z|x)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{q(z|x)\,p(z)}{p(x|z)\,p(x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log q(z|x) + \log p(z) - \log p(x|z)\right] - \log p(x)
\end{align*}""",
        "ok": False,
        "first_wrong": 2,
        "slip": 'row 2 uses p(z|x) = p(x|z) p(x)/p(z) (marginals swapped); Bayes gives p(x|z) p(z)/p(x)',
    },
    {
        "name": 'lab3_wrong_gap_kl_swapped',
        "text": r"""\begin{align*}
\log p(x) &= \mathbb{E}_{q(z|x)}[\log p(x)] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] + \mathbb{E}_{q(z|x)}\left[\log\frac{q(z|x)}{p(z|x)}\right] \\
&= \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right] + D_{\mathrm{KL}}(p(z|x)\,\|\,q(z|x))
\end{align*}""",
        "ok": False,
        "first_wrong": 4,
        "slip": 'row 4: E_{q(z|x)}[log q(z|x)/p(z|x)] is KL(q(z|x)||p(z|x)), not KL(p(z|x)||q(z|x))',
    },
]
