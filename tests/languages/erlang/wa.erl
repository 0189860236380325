-module(main).
-export([main/1]).

main(_) ->
    {ok, [A, B]} = io:fread("", "~d ~d"),
    io:format("~p~n", [A + B + 1]).
