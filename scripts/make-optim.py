#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes data/optim.csv: a synthetic strategy-tester optimisation table in
the shape of the one the MQL5 Kohonen-map article feeds to its maps — one row
per optimisation pass, the results first, then the expert's inputs, and no
label column (rows are named by their line numbers).

The numbers come from a small model of a moving-average crossover expert with
an RSI filter, so that the table has structure a map can find:

  * the edge comes from the ratio of the slow to the fast moving average
    (best near 4), an RSI period near 14, and a take-profit about twice the
    stop-loss; away from those the expert drifts towards the spread's loss;
  * fast averages and tight targets trade often, slow ones rarely;
  * the risk per trade scales the profit and, more than linearly, the
    drawdown;
  * three families of settings (scalping, swing, trend) are sampled more
    densely than the rest, as a genetic optimiser would.

Only the standard library; the seed is fixed, so the file is reproducible:
    python3 scripts/make-optim.py > data/optim.csv
"""

import math
import random
import sys

ROWS = 3000
DEPOSIT = 10000.0
SPREAD = 15.0  # points lost per trade


def choose_inputs(rng):
    family = rng.random()
    if family < 0.25:  # scalping: tight stops, fast averages
        sl = rng.randrange(100, 301, 10)
        tp = rng.randrange(100, 451, 10)
        fast = rng.randint(3, 12)
        slow = rng.randint(fast + 5, 60)
    elif family < 0.55:  # swing
        sl = rng.randrange(250, 601, 10)
        tp = rng.randrange(400, 1201, 10)
        fast = rng.randint(8, 25)
        slow = rng.randint(30, 120)
    elif family < 0.80:  # trend following
        sl = rng.randrange(500, 1001, 10)
        tp = rng.randrange(900, 2001, 10)
        fast = rng.randint(15, 50)
        slow = rng.randint(80, 200)
    else:  # anywhere in the grid
        sl = rng.randrange(100, 1001, 10)
        tp = rng.randrange(max(100, sl // 2 // 10 * 10), min(2000, 6 * sl) + 1, 10)
        fast = rng.randint(3, 50)
        slow = rng.randint(max(fast + 5, 20), 200)
    rsi = rng.randint(5, 30)
    risk = rng.randrange(5, 51) / 10.0
    return sl, tp, fast, slow, rsi, risk


def simulate(rng, sl, tp, fast, slow, rsi, risk):
    ratio = slow / fast
    edge = (0.06 * math.exp(-((math.log(ratio / 4.0)) ** 2) / 0.5)
            * math.exp(-((rsi - 14) ** 2) / 60.0)
            * math.exp(-((math.log(tp / (2.0 * sl))) ** 2) / 0.8))
    edge += rng.gauss(0.0, 0.012)
    # Chance of a win: the break-even rate for these targets, plus the edge.
    p_win = min(0.95, max(0.02, sl / (sl + tp) + edge))
    planned = 9000.0 / (fast * 0.8 + slow * 0.12) * (600.0 / (sl + tp)) ** 0.5
    planned = max(5, int(round(planned * rng.uniform(0.85, 1.15))))
    # Position size from the risk: a loss of sl points costs risk% of the
    # starting deposit. The pass walks its trades one by one and stops when
    # the account can no longer cover a loss, as the tester does.
    money_per_point = DEPOSIT * risk / 100.0 / sl
    win_money = (tp - SPREAD) * money_per_point
    loss_money = (sl + SPREAD) * money_per_point
    balance = peak = DEPOSIT
    dd_money = dd_percent = 0.0
    gross_profit = gross_loss = 0.0
    done = 0
    results = []
    for _ in range(planned):
        if balance < loss_money:
            break
        r = win_money if rng.random() < p_win else -loss_money
        if r > 0:
            gross_profit += r
        else:
            gross_loss -= r
        balance += r
        results.append(r)
        done += 1
        peak = max(peak, balance)
        dd_money = max(dd_money, peak - balance)
        dd_percent = max(dd_percent, 100.0 * (peak - balance) / peak)
    trades = done
    profit = balance - DEPOSIT
    profit_factor = gross_profit / gross_loss if gross_loss > 0 else 99.0
    payoff = profit / trades
    recovery = profit / dd_money if dd_money > 0 else profit / loss_money
    mean = payoff
    sd = math.sqrt(sum((x - mean) ** 2 for x in results) / trades)
    # A pass that only lost has no spread of results; floor it so the ratio
    # stays finite.
    sd = max(sd, 0.1 * loss_money)
    sharpe = mean / sd * math.sqrt(trades / 250.0)
    return profit, trades, profit_factor, payoff, dd_percent, recovery, sharpe


def main():
    rng = random.Random(20110613)
    out = sys.stdout
    out.write("Profit,Trades,ProfitFactor,ExpectedPayoff,DrawdownPercent,RecoveryFactor,"
              "SharpeRatio,StopLoss,TakeProfit,MAFast,MASlow,RSIPeriod,RiskPercent\n")
    for _ in range(ROWS):
        sl, tp, fast, slow, rsi, risk = choose_inputs(rng)
        profit, trades, pf, payoff, dd, rec, sharpe = simulate(rng, sl, tp, fast, slow, rsi, risk)
        out.write("%.2f,%d,%.3f,%.2f,%.2f,%.3f,%.3f,%d,%d,%d,%d,%d,%.1f\n"
                  % (profit, trades, min(pf, 99.0), payoff, dd, rec, sharpe,
                     sl, tp, fast, slow, rsi, risk))


if __name__ == "__main__":
    main()
