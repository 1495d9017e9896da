%% cadre_peer: Cadre's standard workloads (docs/benchmarks.md) written as plain
%% Erlang processes, printing the same JSON Lines as cadre-bench (impl
%% "erlang").
%%
%% Run (the schedulers are the worker threads; +P lets skynet's 1.1 million
%% processes live at once):
%%   erlc -o DIR cadre_peer.erl
%%   erl -noshell +S 2:2 +P 4194304 -pa DIR -s cadre_peer main \
%%       -extra --workers 2 [--runs R] [--warmups W] [--quick] [--only NAMES]
%%       [size options]
%%
%% Each workload does the work cadre-bench's does, message for message, and
%% checks its result the same way; secs is the median of R runs after W
%% untimed warm-ups (default 1; 0: the first run of the VM is timed), each timed from the first process's spawn to the completing
%% process's message to the main process. Remarks:
%% - fjthrput's FNV-1a hash is 64-bit; it is kept as two 32-bit halves so
%%   that the workers compute on small integers, not bignums.
%% - fanout's receivers, like fjthrput's workers, keep their queue off the heap.
%% - big picks random neighbours with a 32-bit xorshift (small integers)
%%   rather than cadre-bench's 64-bit xorshift*: a different but equally
%%   uniform sequence.
-module(cadre_peer).
-export([main/0, main/1]).

-define(FNV_OFFSET, 16#cbf29ce484222325).
-define(FNV_PRIME, 16#100000001b3).
-define(M32, 16#FFFFFFFF).
-define(FANOUT, 10).
%% Processes whose mailboxes are flooded (counting's counter, fanin's sink,
%% fjthrput's workers, fanout's receivers) keep their message queue off the heap, as the OTP
%% documentation advises for processes that may get many messages: a
%% garbage collection then does not copy the queued messages.
-define(FLOODED, [{message_queue_data, off_heap}]).

%% {option, key, default, minimum, divided by 10 under --quick}
sizes() ->
    [{"--pingpong-n", pingpong_n, 1000000, 1, true},
     {"--counting-n", counting_n, 10000000, 1, true},
     {"--threadring-r", threadring_r, 503, 1, false},
     {"--threadring-t", threadring_t, 10000000, 1, true},
     {"--fanin-p", fanin_p, 8, 1, false},
     {"--fanin-n", fanin_n, 2000000, 1, true},
     {"--fjthrput-a", fjthrput_a, 60, 1, false},
     {"--fjthrput-n", fjthrput_n, 1000000, 1, true},
     {"--fanout-r", fanout_r, 1000, 1, false},
     {"--fanout-n", fanout_n, 10000000, 1, true},
     {"--skynet-leaves", skynet_leaves, 1000000, 10, true},
     {"--big-w", big_w, 1000, 1, false},
     {"--big-m", big_m, 2000, 1, true}].

workloads() ->
    [{"pingpong", fun pingpong/1}, {"counting", fun counting/1},
     {"threadring", fun threadring/1}, {"fanin", fun fanin/1},
     {"fjthrput", fun fjthrput/1}, {"fanout", fun fanout/1}, {"skynet", fun skynet/1},
     {"big", fun big/1}].

main() ->
    main(init:get_plain_arguments()).

main(Args) ->
    Code = try run(Args)
           catch
               throw:{usage, Msg} ->
                   io:format(standard_error, "cadre_peer: ~s~n", [Msg]),
                   2
           end,
    halt(Code).

%% ---- options ----------------------------------------------------------------

parse([], O) -> O;
parse(["--quick" | T], O) -> parse(T, O#{quick => true});
parse([A | T], O) ->
    case string:split(A, "=") of
        [K, V] -> parse([K, V | T], O);
        [_] ->
            case T of
                [V | T2] -> parse(T2, set_opt(A, V, O));
                [] -> throw({usage, "missing value for " ++ A})
            end
    end.

set_opt("--workers", V, O) -> O#{workers => int(V, 1)};
set_opt("--runs", V, O) -> O#{runs => int(V, 1)};
set_opt("--warmups", V, O) -> O#{warmups => int(V, 0)};
set_opt("--only", V, O) ->
    Names = string:lexemes(V, ","),
    Known = [N || {N, _} <- workloads()],
    [throw({usage, "unknown workload " ++ N}) || N <- Names, not lists:member(N, Known)],
    O#{only => Names};
set_opt(Opt, V, O) ->
    case lists:keyfind(Opt, 1, sizes()) of
        {_, Key, _, Min, _} -> O#{Key => int(V, Min)};
        false -> throw({usage, "bad argument " ++ Opt})
    end.

int(S, Min) ->
    case string:to_integer(S) of
        {I, []} when I >= Min -> I;
        _ -> throw({usage, "bad number " ++ S})
    end.

%% ---- the runner ---------------------------------------------------------------

run(Args) ->
    Defaults = maps:from_list([{K, D} || {_, K, D, _, _} <- sizes()]),
    O0 = parse(Args, Defaults#{workers => 2, runs => 5, warmups => 1, quick => false, only => all}),
    O = case maps:get(quick, O0) of
            true ->
                lists:foldl(fun({_, K, _, Min, true}, Acc) ->
                                    Acc#{K => max(Min, maps:get(K, Acc) div 10)};
                               (_, Acc) -> Acc
                            end, O0, sizes());
            false -> O0
        end,
    power_of_10(maps:get(skynet_leaves, O)) orelse throw({usage, "--skynet-leaves must be a power of 10"}),
    maps:get(fanout_r, O) =< 1000000 andalso maps:get(fanout_n, O) >= maps:get(fanout_r, O)
        orelse throw({usage, "--fanout-r must be 1..1000000 and at most --fanout-n"}),
    W = maps:get(workers, O),
    case erlang:system_info(schedulers) of
        S when S >= W -> erlang:system_flag(schedulers_online, W);
        S -> io:format(standard_error,
                       "cadre_peer: only ~b schedulers (start erl with +S ~b:~b)~n", [S, W, W]),
             throw({usage, "too few schedulers"})
    end,
    Only = maps:get(only, O),
    Results = [run_case(Name, Fun, O) || {Name, Fun} <- workloads(),
                                         Only =:= all orelse lists:member(Name, Only)],
    case lists:all(fun(R) -> R end, Results) of
        true -> 0;
        false -> 1
    end.

power_of_10(1) -> true;
power_of_10(L) when L rem 10 =:= 0 -> power_of_10(L div 10);
power_of_10(_) -> false.

run_case(Name, Fun, O) ->
    Runs = maps:get(runs, O),
    Warmups = maps:get(warmups, O),
    W = maps:get(workers, O),
    {Secs, Ok, Msgs, Spawns} = runs(Name, Fun, O, 0, Warmups, Runs, []),
    N = length(Secs),
    Sorted = lists:sort(Secs),
    Med = case N rem 2 of
              1 -> lists:nth(N div 2 + 1, Sorted);
              0 -> (lists:nth(N div 2, Sorted) + lists:nth(N div 2 + 1, Sorted)) / 2
          end,
    {Mps, Sps, Check} = case Ok andalso Med > 0 of
                            true -> {Msgs / Med, Spawns / Med, "ok"};
                            false -> {0.0, 0.0, "fail"}
                        end,
    Extra = case Name of
                "skynet" -> io_lib:format(",\"spawns\":~b,\"sps\":~.1f", [Spawns, Sps]);
                "fanout" -> io_lib:format(",\"receivers\":~b", [maps:get(fanout_r, O)]);
                _ -> ""
            end,
    io:format("{\"bench\":\"~s\",\"impl\":\"erlang\",\"workers\":~b,\"msgs\":~b,\"secs\":~.6f,"
              "\"mps\":~.1f,\"runs\":~b,\"warmups\":~b,\"stat\":\"median\",\"check\":\"~s\"~s,"
              "\"min_secs\":~.6f,\"max_secs\":~.6f}~n",
              [Name, W, Msgs, float(Med), float(Mps), N, Warmups, Check, Extra,
               float(hd(Sorted)), float(lists:last(Sorted))]),
    io:format(standard_error, "~-10s w~b ~9.3f Mmsg/s  median ~.4f s [~.4f .. ~.4f]  ~s~n",
              [Name, W, Mps / 1.0e6, float(Med), float(hd(Sorted)), float(lists:last(Sorted)),
               Check]),
    Ok.

%% Warmups untimed warm-ups (I < Warmups), then Runs timed runs; stops at
%% the first failure.
runs(Name, Fun, O, I, Warmups, Runs, Acc) ->
    WarmUp = I < Warmups,
    case WarmUp of
        true -> io:format(standard_error, "~s (workers ~b): warm-up ~b/~b~n",
                          [Name, maps:get(workers, O), I + 1, Warmups]);
        false -> io:format(standard_error, "~s (workers ~b): run ~b/~b~n",
                           [Name, maps:get(workers, O), I - Warmups + 1, Runs])
    end,
    erlang:garbage_collect(),
    {Secs, Result, Msgs, Spawns} = Fun(O),
    Ok = Result =:= ok,
    Ok orelse io:format(standard_error, "~s: FAILED: ~p~n", [Name, Result]),
    Acc1 = case not WarmUp orelse not Ok of
               true -> [Secs | Acc];
               false -> Acc
           end,
    case Ok andalso I + 1 < Warmups + Runs of
        true -> runs(Name, Fun, O, I + 1, Warmups, Runs, Acc1);
        false -> {Acc1, Ok, Msgs, Spawns}
    end.

now_ns() -> erlang:monotonic_time(nanosecond).

elapsed(T0) -> (now_ns() - T0) / 1.0e9.

%% Waits for the completing process's {done, Result}; returns {Secs, Result}.
await_done(T0) ->
    receive {done, Result} -> {elapsed(T0), Result} end.

%% ---- pingpong -------------------------------------------------------------------

pingpong(#{pingpong_n := N}) ->
    Main = self(),
    T0 = now_ns(),
    spawn(fun() ->
                  Pong = spawn(fun pong/0),
                  ping(Pong, N, Main)
          end),
    {Secs, R} = await_done(T0),
    {Secs, R, 2 * N, 2}.

ping(_Pong, 0, Main) ->
    Main ! {done, ok};
ping(Pong, Left, Main) ->
    Pong ! {ping, self(), Left},
    receive
        {pong, Pong, Left} -> ping(Pong, Left - 1, Main);
        Other -> Main ! {done, {ping_got, Other, expected, Left}}
    end.

pong() ->
    receive
        {ping, From, 1} -> From ! {pong, self(), 1};
        {ping, From, R} -> From ! {pong, self(), R}, pong()
    end.

%% ---- counting ---------------------------------------------------------------------

counting(#{counting_n := N}) ->
    Main = self(),
    T0 = now_ns(),
    spawn(fun() ->
                  C = spawn_opt(fun() -> counter(0) end, ?FLOODED),
                  incs(C, N),
                  C ! {get, self()},
                  receive
                      {total, C, N} -> Main ! {done, ok};
                      {total, C, T} -> Main ! {done, {total, T, expected, N}}
                  end
          end),
    {Secs, R} = await_done(T0),
    {Secs, R, N + 2, 2}.

incs(_C, 0) -> ok;
incs(C, K) -> C ! inc, incs(C, K - 1).

counter(N) ->
    receive
        inc -> counter(N + 1);
        {get, From} -> From ! {total, self(), N}
    end.

%% ---- threadring -----------------------------------------------------------------------
%% Node I spawns node I+1; the last node closes the ring on node 0 and sends
%% the token's first hop. The token carries the hops still to go after this
%% one; the node that gets it at 0 checks it is the right node, then sends an
%% exit wave around the ring, whose last node tells the main process.

threadring(#{threadring_r := R, threadring_t := T}) ->
    Main = self(),
    T0 = now_ns(),
    spawn(fun() -> ring_start(0, R, T, self(), Main) end),
    {Secs, Res} = await_done(T0),
    receive ring_stopped -> ok end,
    {Secs, Res, T, R}.

ring_start(I, R, T, First, Main) when I + 1 < R ->
    Next = spawn(fun() -> ring_start(I + 1, R, T, First, Main) end),
    ring(I, Next, R, T, Main);
ring_start(I, R, T, First, Main) ->
    First ! {token, T - 1},
    ring(I, First, R, T, Main).

ring(I, Next, R, T, Main) ->
    receive
        {token, 0} ->
            Want = (T - 1) rem R,
            Main ! {done, case I of Want -> ok; _ -> {token_ended_at, I, expected, Want} end},
            case R > 1 of
                true -> Next ! {exit, R - 1};
                false -> Main ! ring_stopped
            end;
        {token, V} ->
            Next ! {token, V - 1},
            ring(I, Next, R, T, Main);
        {exit, 1} ->
            Main ! ring_stopped;
        {exit, V} ->
            Next ! {exit, V - 1}
    end.

%% ---- fanin ------------------------------------------------------------------------------
%% The sink spawns the producers; each item carries its producer and a
%% sequence number, and the sink checks per-producer order and the count.

fanin(#{fanin_p := P, fanin_n := N}) ->
    Main = self(),
    T0 = now_ns(),
    spawn_opt(fun() ->
                  Sink = self(),
                  [spawn(fun() -> fan_producer(Sink, I, 0, N) end) || I <- lists:seq(1, P)],
                  fan_sink(Main, erlang:make_tuple(P, 0), P * N, N)
          end, ?FLOODED),
    {Secs, R} = await_done(T0),
    {Secs, R, P * N, P + 1}.

fan_producer(_Sink, _I, N, N) -> ok;
fan_producer(Sink, I, Q, N) ->
    Sink ! {item, I, Q},
    fan_producer(Sink, I, Q + 1, N).

fan_sink(Main, Next, 0, N) ->
    Main ! {done, case lists:all(fun(X) -> X =:= N end, tuple_to_list(Next)) of
                      true -> ok;
                      false -> {received, Next}
                  end};
fan_sink(Main, Next, Left, N) ->
    receive
        {item, I, Q} ->
            case element(I, Next) of
                Q -> fan_sink(Main, setelement(I, Next, Q + 1), Left - 1, N);
                E -> Main ! {done, {producer, I, seq, Q, expected, E}}
            end
    end.

%% ---- fjthrput ----------------------------------------------------------------------------
%% The sender spawns the A workers, then sends sequence number S to every
%% worker in turn for S = 0 .. N-1 (message k goes to worker k rem A). A
%% worker checks the order and folds each number into an FNV-1a hash, kept
%% as two 32-bit halves; after N it sends the hash back and stops.

fjthrput(#{fjthrput_a := A, fjthrput_n := N}) ->
    Expect = fnv(N),
    Main = self(),
    T0 = now_ns(),
    spawn(fun() ->
                  Me = self(),
                  Workers = [spawn_opt(fun() -> fj_worker(Me, 0, N, ?FNV_OFFSET bsr 32,
                                                          ?FNV_OFFSET band ?M32) end,
                                       ?FLOODED)
                             || _ <- lists:seq(1, A)],
                  fj_send(Workers, 0, N),
                  Main ! {done, fj_collect(A, Expect, ok)}
          end),
    {Secs, R} = await_done(T0),
    {Secs, R, A * N + A, A + 1}.

%% The reference hash, computed on bignums.
fnv(N) -> fnv(0, N, ?FNV_OFFSET).
fnv(N, N, H) -> H;
fnv(I, N, H) -> fnv(I + 1, N, ((H bxor I) * ?FNV_PRIME) band 16#FFFFFFFFFFFFFFFF).

fj_send(_Workers, N, N) -> ok;
fj_send(Workers, S, N) ->
    fj_round(Workers, S),
    fj_send(Workers, S + 1, N).

fj_round([], _S) -> ok;
fj_round([W | Ws], S) -> W ! S, fj_round(Ws, S).

fj_collect(0, _Expect, Res) -> Res;
fj_collect(K, Expect, Res) ->
    receive
        {hash, Expect} -> fj_collect(K - 1, Expect, Res);
        {hash, H} -> fj_collect(K - 1, Expect, {hash, H, expected, Expect})
    end.

fj_worker(Sender, N, N, Hi, Lo) ->
    Sender ! {hash, (Hi bsl 32) bor Lo};
fj_worker(Sender, Next, N, Hi, Lo) ->
    receive
        Next ->
            %% h = (h xor v) * (2^40 + 0x1b3) mod 2^64, on 32-bit halves
            L = Lo bxor (Next band ?M32),
            H = Hi bxor (Next bsr 32),
            PL = L * 16#1b3,
            fj_worker(Sender, Next + 1, N,
                      (H * 16#1b3 + (L bsl 8) + (PL bsr 32)) band ?M32, PL band ?M32);
        _Other ->
            Sender ! {hash, bad_order}
    end.

%% ---- fanout ------------------------------------------------------------------------------
%% The sender spawns the R receivers, then sends message k to receiver
%% k rem R with the payload k div R (the count that receiver has so far,
%% which it checks). Receiver i (0-based) gets N div R, plus one for
%% i < N rem R; once it has its share it answers {fo_done, I, Count} and
%% ends. The sender checks every answer and the sum.

fanout(#{fanout_r := R, fanout_n := N}) ->
    Main = self(),
    T0 = now_ns(),
    spawn(fun() ->
                  Me = self(),
                  Rs = [spawn_opt(fun() -> fo_receiver(Me, I, 0, fo_share(N, R, I)) end, ?FLOODED)
                        || I <- lists:seq(0, R - 1)],
                  fo_send(Rs, Rs, 0, N),
                  Main ! {done, fo_collect(R, R, N, 0, ok)}
          end),
    {Secs, Res} = await_done(T0),
    {Secs, Res, N + R, R + 1}.

fo_share(N, R, I) when I < N rem R -> N div R + 1;
fo_share(N, R, _I) -> N div R.

fo_send(_All, _Ps, _S, 0) -> ok;
fo_send(All, [], S, K) -> fo_send(All, All, S + 1, K);
fo_send(All, [P | Ps], S, K) -> P ! S, fo_send(All, Ps, S, K - 1).

fo_receiver(Sender, I, Share, Share) ->
    Sender ! {fo_done, I, Share};
fo_receiver(Sender, I, Count, Share) ->
    receive
        Count -> fo_receiver(Sender, I, Count + 1, Share);
        Other -> Sender ! {fo_done, I, {bad_order, Other, expected, Count}}
    end.

%% fo_collect(Left, R, N, Sum, Res): Left answers still to come.
fo_collect(0, _R, N, N, Res) -> Res;
fo_collect(0, _R, N, Sum, ok) -> {received, Sum, expected, N};
fo_collect(0, _R, _N, _Sum, Res) -> Res;
fo_collect(K, R, N, Sum, Res) ->
    receive
        {fo_done, I, C} when is_integer(C) ->
            Share = fo_share(N, R, I),
            Res1 = case C =:= Share orelse Res =/= ok of
                       true -> Res;
                       false -> {receiver, I, got, C, expected, Share}
                   end,
            fo_collect(K - 1, R, N, Sum + C, Res1);
        {fo_done, I, Bad} ->
            fo_collect(K - 1, R, N, Sum, {receiver, I, Bad})
    end.

%% ---- skynet --------------------------------------------------------------------------------
%% A 10-ary tree of processes over L leaves; leaves send their ordinal,
%% inner nodes sum their children's and send the sum up.

skynet(#{skynet_leaves := L}) ->
    Spawns = skynet_spawns(L, 0),
    Main = self(),
    T0 = now_ns(),
    spawn(fun() -> sky_node(Main, 0, L) end),
    {Secs, Sum} = receive {sum, S} -> {elapsed(T0), S} end,
    Want = L * (L - 1) div 2,
    R = case Sum of Want -> ok; _ -> {sum, Sum, expected, Want} end,
    {Secs, R, Spawns - 1, Spawns}.

skynet_spawns(0, Acc) -> Acc;
skynet_spawns(K, Acc) -> skynet_spawns(K div 10, Acc + K).

sky_node(Parent, Num, 1) ->
    Parent ! {sum, Num};
sky_node(Parent, Num, Size) ->
    Me = self(),
    Child = Size div ?FANOUT,
    sky_spawn(Me, Num, Child, 0),
    Parent ! {sum, sky_collect(?FANOUT, 0)}.

sky_spawn(_Me, _Num, _Child, ?FANOUT) -> ok;
sky_spawn(Me, Num, Child, I) ->
    Start = Num + I * Child,
    spawn(fun() -> sky_node(Me, Start, Child) end),
    sky_spawn(Me, Num, Child, I + 1).

sky_collect(0, Sum) -> Sum;
sky_collect(K, Sum) -> receive {sum, V} -> sky_collect(K - 1, Sum + V) end.

%% ---- big ------------------------------------------------------------------------------------
%% The driver spawns the W actors, then sends each a start. An actor sends a
%% ping to a random other actor, which answers with a pong; on the pong the
%% actor sends its next ping, M in all, then reports done to the driver. It
%% keeps answering others' pings until the driver, once all are done, stops
%% them all; each then reports how many pings it answered.

big(#{big_w := W, big_m := M}) ->
    Main = self(),
    T0 = now_ns(),
    spawn(fun() -> big_driver(Main, W, M) end),
    {Secs, R} = await_done(T0),
    R2 = receive
             {big_stopped, Answered, Stopped} when Answered =:= W * M, Stopped =:= W -> R;
             {big_stopped, Answered, Stopped} when R =:= ok ->
                 {answered, Answered, expected, W * M, stopped, Stopped}
         end,
    {Secs, R2, 2 * W * M + 2 * W, W + 1}.

big_driver(Main, W, M) ->
    Me = self(),
    Pids = list_to_tuple([spawn(fun() -> big_init(I, W, M) end) || I <- lists:seq(0, W - 1)]),
    [P ! {start, Me, Pids} || P <- tuple_to_list(Pids)],
    Pings = big_dones(W, 0),
    Main ! {done, case Pings =:= W * M of
                      true -> ok;
                      false -> {pings, Pings, expected, W * M}
                  end},
    [P ! {stop, Me} || P <- tuple_to_list(Pids)],
    {Answered, Stopped} = big_stopped(W, 0, 0),
    Main ! {big_stopped, Answered, Stopped}.

big_dones(0, Pings) -> Pings;
big_dones(K, Pings) -> receive {done, S} -> big_dones(K - 1, Pings + S) end.

big_stopped(0, A, S) -> {A, S};
big_stopped(K, A, S) -> receive {answered, X} -> big_stopped(K - 1, A + X, S + 1) end.

big_init(I, W, M) ->
    Seed = case (I * 2654435761 + 12345) band ?M32 of 0 -> 1; X -> X end,
    receive
        {start, Driver, Pids} ->
            {Rng, Target} = big_ping(I, W, Pids, Seed, 0),
            big_loop(I, W, M, Driver, Pids, Rng, 1, 0, Target)
    end.

%% Sends ping number Sent to a random other actor; returns the new random
%% state and the target.
big_ping(I, W, Pids, Rng0, Sent) ->
    {Rng, J} = case W > 1 of
                   true ->
                       X1 = Rng0 bxor ((Rng0 bsl 13) band ?M32),
                       X2 = X1 bxor (X1 bsr 17),
                       X3 = X2 bxor ((X2 bsl 5) band ?M32),
                       J0 = X3 rem (W - 1),
                       {X3, if J0 >= I -> J0 + 1; true -> J0 end};
                   false -> {Rng0, I}
               end,
    Target = element(J + 1, Pids),
    Target ! {ping, self(), Sent},
    {Rng, Target}.

big_loop(I, W, M, Driver, Pids, Rng, Sent, Answered, Target) ->
    receive
        {ping, From, V} ->
            From ! {pong, self(), V},
            big_loop(I, W, M, Driver, Pids, Rng, Sent, Answered + 1, Target);
        {pong, Target, V} when V =:= Sent - 1 ->
            case Sent < M of
                true ->
                    {Rng2, Target2} = big_ping(I, W, Pids, Rng, Sent),
                    big_loop(I, W, M, Driver, Pids, Rng2, Sent + 1, Answered, Target2);
                false ->
                    Driver ! {done, Sent},
                    big_loop(I, W, M, Driver, Pids, Rng, Sent, Answered, Target)
            end;
        {pong, _From, _V} ->
            %% a wrong pong: report no pings, which fails the driver's check
            Driver ! {done, 0},
            big_loop(I, W, M, Driver, Pids, Rng, M, Answered, Target);
        {stop, Driver} ->
            Driver ! {answered, Answered}
    end.
