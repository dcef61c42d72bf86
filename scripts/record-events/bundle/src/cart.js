"use strict";

function prices(items) {
  return items.map(function (item) {
    return item.price;
  });
}

function cartPrices(cart) {
  return prices(cart.items);
}

module.exports = {
  renderCart: function renderCart(cart) {
    return cartPrices(cart);
  },
};
