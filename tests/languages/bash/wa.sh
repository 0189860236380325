read -r -d '' a b
echo $((a - b))
