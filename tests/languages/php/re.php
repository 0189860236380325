<?php
[$a, $b] = preg_split('/\s+/', trim(stream_get_contents(STDIN)));
throw new RuntimeException("no answer for " . (intval($a) + intval($b)));
